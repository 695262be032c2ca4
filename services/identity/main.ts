import { Redis } from "ioredis";
import { createPgPool } from "../../lib/db/index.ts";
import { runService } from "../../lib/process/index.ts";
import { createEventProducer } from "../../lib/kafka/index.ts";
import { createOutboxRelay } from "../../lib/outbox/index.ts";
import { IDENTITY_SCHEMA, migrateIdentity } from "./adapters/migrations.ts";
import { loadIdentityConfig } from "./config.ts";
import { createRefreshTokenSweeper } from "./jobs/refresh-token-sweeper.ts";
import { createIdentityServer } from "./server.ts";

runService({
  name: "identity",
  async start(logger) {
    const config = loadIdentityConfig();
    logger.level = config.LOG_LEVEL;
    const pool = createPgPool(config.DATABASE_URL, 10, logger);
    const applied = await migrateIdentity(pool);
    if (applied.length > 0) logger.info({ applied }, "migrations applied");
    // Fail fast on commands so a dead Redis does not stall logins (limits fail open).
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 500, lazyConnect: false });
    redis.on("error", (err: Error) => logger.warn({ err: err.message }, "redis connection error"));

    const server = createIdentityServer({
      pool,
      redis,
      logger,
      signingKeys: config.IDENTITY_SIGNING_KEYS,
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
      serviceKeys: config.INTERNAL_SERVICE_KEYS,
    });
    const sweeper = createRefreshTokenSweeper({
      pool,
      logger,
      retainMs: config.IDENTITY_REFRESH_TOKEN_RETAIN_SECONDS * 1000,
      intervalMs: config.IDENTITY_REFRESH_SWEEP_INTERVAL_SECONDS * 1000,
    });
    sweeper.start();
    // account.deleted is written with the deletion (identity.outbox) and relayed; Kafka may come later.
    const producer = createEventProducer({ brokers: config.KAFKA_BROKERS, clientId: "identity", partitions: config.KAFKA_TOPIC_PARTITIONS });
    const relay = createOutboxRelay({ pool, schema: IDENTITY_SCHEMA, producer, logger });
    relay.start();
    const port = await server.listen(config.IDENTITY_GRPC_HOST, config.IDENTITY_GRPC_PORT);
    logger.info({ host: config.IDENTITY_GRPC_HOST, port, kid: config.IDENTITY_SIGNING_KEYS[0]?.kid }, "identity listening");

    return {
      async stop() {
        await server.shutdown(10_000);
        await sweeper.stop();
        await relay.stop();
        await producer.disconnect();
        redis.disconnect();
        await pool.end();
      },
    };
  },
});
