import { createRevocationList, createTokenVerifier, jwksFromIdentity, revocationsFromIdentity } from "../lib/auth/index.ts";
import { runService } from "../lib/process/index.ts";
import { createBodyBudget } from "./body-budget.ts";
import { clientAddressFrom } from "./client-address.ts";
import { loadGatewayConfig } from "./config.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { createGatewayRedis } from "./redis.ts";
import { platformBackends } from "./routes.ts";
import { createGateway } from "./server.ts";
import { createStaticSite } from "./static-site.ts";

runService({
  name: "gateway",
  async start(logger) {
    const config = loadGatewayConfig();
    const redis = createGatewayRedis(config.REDIS_URL, logger);
    const loadJwks = jwksFromIdentity(config.IDENTITY_ADDR);
    let jwksCache: { body: string; at: number } | undefined;
    const webApp = await createStaticSite({
      dir: config.GATEWAY_WEB_DIR,
      // What the browser app cannot know at build time.
      virtualFiles: { "/app-config.json": { body: JSON.stringify({ edgeUrl: config.PLAYBACK_PUBLIC_URL.replace(/\/+$/, "") }) } },
      logger,
    });

    const rateLimiter = createRateLimiter({ redis, limit: config.GATEWAY_RATE_LIMIT, windowSeconds: config.GATEWAY_RATE_WINDOW_SECONDS, logger });
    const accountRateLimiter = createRateLimiter({
      redis,
      limit: config.GATEWAY_ACCOUNT_RATE_LIMIT,
      windowSeconds: config.GATEWAY_RATE_WINDOW_SECONDS,
      logger,
      keyPrefix: "ratelimit:gateway:account",
    });
    const gateway = createGateway({
      backends: platformBackends(
        { identity: config.IDENTITY_ADDR, catalog: config.CATALOG_ADDR, upload: config.UPLOAD_ADDR, playback: config.PLAYBACK_ADDR },
        config.INTERNAL_SERVICE_KEYS[0],
      ),
      logger,
      verifier: createTokenVerifier({ loadJwks, revocations: createRevocationList({ load: revocationsFromIdentity(config.IDENTITY_ADDR) }) }),
      rateLimiter,
      accountRateLimiter,
      corsOrigins: config.GATEWAY_CORS_ORIGINS,
      clientAddressOf: clientAddressFrom(config.GATEWAY_TRUSTED_PROXIES),
      bodyBudget: createBodyBudget({ maxBytes: config.GATEWAY_BODY_BUDGET_BYTES, maxWaiting: config.GATEWAY_BODY_WAITERS, maxWaitMs: config.GATEWAY_BODY_WAIT_SECONDS * 1000 }),
      webApp,
      extraRoutes(req, res) {
        if (req.url === "/healthz") {
          res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
          return true;
        }
        if (req.url === "/.well-known/jwks.json") {
          const send = (body: string) => res.writeHead(200, { "content-type": "application/jwk-set+json", "cache-control": "public, max-age=60" }).end(body);
          if (jwksCache && Date.now() - jwksCache.at < 60_000) send(jwksCache.body);
          else
            loadJwks().then(
              (jwks) => {
                jwksCache = { body: JSON.stringify(jwks), at: Date.now() };
                send(jwksCache.body);
              },
              () => res.writeHead(503, { "content-type": "text/plain" }).end("unavailable\n"),
            );
          return true;
        }
        return false;
      },
    });
    const port = await gateway.listen(config.XTREAM_GATEWAY_HOST, config.XTREAM_GATEWAY_PORT);
    logger.info({ port }, "gateway listening (Connect, gRPC-Web, gRPC; HTTP/1.1 and h2c)");
    return {
      async stop() {
        await gateway.close();
        await rateLimiter.close();
        await accountRateLimiter.close();
        redis.disconnect();
      },
    };
  },
});
