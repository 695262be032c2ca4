import { runService } from "../../lib/process/index.ts";
import { loadIdentityConfig } from "./config.ts";
import { startIdentity } from "./runtime.ts";

runService({
  name: "identity",
  async start(logger) {
    const config = loadIdentityConfig();
    logger.level = config.LOG_LEVEL;
    const identity = await startIdentity({
      host: config.IDENTITY_GRPC_HOST,
      port: config.IDENTITY_GRPC_PORT,
      databaseUrl: config.DATABASE_URL,
      redisUrl: config.REDIS_URL,
      kafkaBrokers: config.KAFKA_BROKERS,
      kafkaTopicPartitions: config.KAFKA_TOPIC_PARTITIONS,
      logger,
      signingKeys: config.IDENTITY_SIGNING_KEYS,
      serviceKeys: config.INTERNAL_SERVICE_KEYS,
      accessTokenTtlSeconds: config.IDENTITY_ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: config.IDENTITY_REFRESH_TOKEN_TTL_SECONDS,
      refreshRetryGraceMs: config.IDENTITY_REFRESH_RETRY_GRACE_SECONDS * 1000,
      loginLimits: {
        perAccount: config.IDENTITY_LOGIN_LIMIT_PER_ACCOUNT,
        perAddress: config.IDENTITY_LOGIN_LIMIT_PER_ADDRESS,
        windowMs: config.IDENTITY_LOGIN_WINDOW_SECONDS * 1000,
      },
      registrationLimits: { perAddress: config.IDENTITY_REGISTER_LIMIT_PER_ADDRESS, windowMs: config.IDENTITY_REGISTER_WINDOW_SECONDS * 1000 },
      scrypt: { logN: config.IDENTITY_SCRYPT_LOG_N, r: config.IDENTITY_SCRYPT_R, p: config.IDENTITY_SCRYPT_P },
      trustForwardedFor: config.IDENTITY_TRUST_FORWARDED_FOR,
      sweeper: { retainMs: config.IDENTITY_REFRESH_TOKEN_RETAIN_SECONDS * 1000, intervalMs: config.IDENTITY_REFRESH_SWEEP_INTERVAL_SECONDS * 1000 },
    });
    logger.info({ host: config.IDENTITY_GRPC_HOST, port: identity.port, kid: config.IDENTITY_SIGNING_KEYS[0]?.kid }, "identity listening");
    return { stop: () => identity.stop() };
  },
});
