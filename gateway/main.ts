import { runService } from "../lib/process/index.ts";
import { loadGatewayConfig } from "./config.ts";
import { platformBackends } from "./routes.ts";
import { startGateway } from "./runtime.ts";

runService({
  name: "gateway",
  async start(logger) {
    const config = loadGatewayConfig();
    const running = await startGateway({
      host: config.XTREAM_GATEWAY_HOST,
      port: config.XTREAM_GATEWAY_PORT,
      logger,
      backends: platformBackends(
        { identity: config.IDENTITY_ADDR, catalog: config.CATALOG_ADDR, upload: config.UPLOAD_ADDR, playback: config.PLAYBACK_ADDR },
        config.INTERNAL_SERVICE_KEYS[0],
      ),
      identityAddress: config.IDENTITY_ADDR,
      rateLimit: {
        redisUrl: config.REDIS_URL,
        perAddress: config.GATEWAY_RATE_LIMIT,
        perAccount: config.GATEWAY_ACCOUNT_RATE_LIMIT,
        windowSeconds: config.GATEWAY_RATE_WINDOW_SECONDS,
      },
      corsOrigins: config.GATEWAY_CORS_ORIGINS,
      trustedProxies: config.GATEWAY_TRUSTED_PROXIES,
      ...(config.GATEWAY_WEB_DIR ? { webDir: config.GATEWAY_WEB_DIR } : {}),
      playbackPublicUrl: config.PLAYBACK_PUBLIC_URL,
      bodyBudget: { maxBytes: config.GATEWAY_BODY_BUDGET_BYTES, maxWaiting: config.GATEWAY_BODY_WAITERS, maxWaitMs: config.GATEWAY_BODY_WAIT_SECONDS * 1000 },
    });
    logger.info({ port: running.port }, "gateway listening (Connect, gRPC-Web, gRPC; HTTP/1.1 and h2c)");
    return { stop: () => running.stop() };
  },
});
