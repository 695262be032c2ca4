import { Redis } from "ioredis";
import type { SigningKey } from "../../lib/auth/index.ts";
import { createPgPool, type Pool } from "../../lib/db/index.ts";
import type { GrpcServer } from "../../lib/grpc/index.ts";
import { createEventProducer } from "../../lib/kafka/index.ts";
import type { Logger } from "../../lib/logger.ts";
import { createOutboxRelay, type OutboxRelay } from "../../lib/outbox/index.ts";
import { dialAddress } from "../../lib/process/index.ts";
import type { PasswordHasher, ScryptParams } from "./domain/passwords.ts";
import { createRefreshTokenSweeper, type RefreshTokenSweeper } from "./jobs/refresh-token-sweeper.ts";
import { IDENTITY_SCHEMA, migrateIdentity } from "./migrations/migrate.ts";
import { createIdentityServer } from "./server.ts";

export interface StartIdentityOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  /** Partitions of account.deleted when the outbox relay is the first to write it. */
  kafkaTopicPartitions?: number;
  logger: Logger;
  /** Signing keys, current first. */
  signingKeys: SigningKey[];
  /** Credentials the gateway presents; with them, x-forwarded-for is believed only from the gateway. */
  serviceKeys?: readonly string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** A refresh retried within this window with the same token returns the same new pair (default 30 s). */
  refreshRetryGraceMs?: number;
  loginLimits: { perAccount: number; perAddress: number; windowMs: number; keyPrefix?: string };
  /** Sign-ups allowed per client address per window (default: 10 per hour). */
  registrationLimits?: { perAddress: number; windowMs: number; keyPrefix?: string };
  scrypt: ScryptParams;
  trustForwardedFor: boolean;
  /** Expired refresh tokens are kept retainMs past expiry and swept every intervalMs (defaults 7 days, 1 h). */
  sweeper?: { retainMs?: number; intervalMs?: number };
  outboxPollMs?: number;
  /** How long a start waits for Redis before serving without it (default 2 s). */
  redisReadyTimeoutMs?: number;
  /** Replaces the scrypt hasher built from `scrypt` (tests wrap the real one to observe it). */
  hasher?: PasswordHasher;
}

/** A running identity service. */
export interface RunningIdentity {
  port: number;
  /** host:port to dial. */
  address: string;
  server: GrpcServer;
  /** Migrations applied by this start (empty when the schema was current). */
  applied: string[];
  sweeper: RefreshTokenSweeper;
  relay: OutboxRelay;
  /** Stops serving (draining calls for graceMs), then the sweeper and relay, then closes clients. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts everything the identity service runs — migrations, the gRPC server,
 * the refresh-token sweeper and the account.deleted outbox relay — from plain
 * options, so main.ts, tests and benchmarks start it the same way. Kafka may
 * come up later: the relay keeps the events in identity.outbox until it can
 * publish them. Redis may be down: login limits fail open.
 */
export async function startIdentity(options: StartIdentityOptions): Promise<RunningIdentity> {
  const logger = options.logger;
  const pool: Pool = createPgPool(options.databaseUrl, 10, logger);
  let applied: string[];
  try {
    applied = await migrateIdentity(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  if (applied.length > 0) logger.info({ applied }, "migrations applied");
  // Fail fast on commands so a dead Redis does not stall logins (limits fail open).
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 500, lazyConnect: false });
  redis.on("error", (err: Error) => logger.warn({ err: err.message }, "redis connection error"));
  // Without the offline queue, commands sent before the connection is up fail (and limits open):
  // give Redis a moment so the first logins are limited, but do not depend on it.
  await waitForRedis(redis, options.redisReadyTimeoutMs ?? 2000);
  const server = createIdentityServer({
    pool,
    redis,
    logger,
    signingKeys: options.signingKeys,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds,
    loginLimits: options.loginLimits,
    scrypt: options.scrypt,
    trustForwardedFor: options.trustForwardedFor,
    ...(options.refreshRetryGraceMs !== undefined ? { refreshRetryGraceMs: options.refreshRetryGraceMs } : {}),
    ...(options.registrationLimits ? { registrationLimits: options.registrationLimits } : {}),
    ...(options.serviceKeys ? { serviceKeys: options.serviceKeys } : {}),
    ...(options.hasher ? { hasher: options.hasher } : {}),
  });
  const sweeper = createRefreshTokenSweeper({
    pool,
    logger,
    retainMs: options.sweeper?.retainMs ?? 7 * 24 * 3600_000,
    intervalMs: options.sweeper?.intervalMs ?? 3600_000,
  });
  // account.deleted is written with the deletion (identity.outbox) and relayed; Kafka may come later.
  const producer = createEventProducer({
    brokers: options.kafkaBrokers,
    clientId: "identity",
    ...(options.kafkaTopicPartitions ? { partitions: options.kafkaTopicPartitions } : {}),
  });
  const relay = createOutboxRelay({ pool, schema: IDENTITY_SCHEMA, producer, logger, ...(options.outboxPollMs ? { pollMs: options.outboxPollMs } : {}) });
  const host = options.host ?? "127.0.0.1";
  let port: number;
  try {
    port = await server.listen(host, options.port);
  } catch (err) {
    redis.disconnect();
    await pool.end();
    throw err;
  }
  sweeper.start();
  relay.start();
  return {
    port,
    address: dialAddress(host, port),
    server,
    applied,
    sweeper,
    relay,
    async stop(graceMs = 10_000) {
      await server.shutdown(graceMs);
      await sweeper.stop();
      await relay.stop();
      await producer.disconnect();
      redis.disconnect();
      await pool.end();
    },
  };
}

/** Resolves when Redis is ready or after timeoutMs, whichever comes first. */
async function waitForRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "ready") return;
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    redis.once("ready", () => resolve());
  });
  clearTimeout(timer);
}
