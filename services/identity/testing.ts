/**
 * Test harness for the identity service: a throwaway PostgreSQL database,
 * Redis keys under a prefix of its own, and identity services on port 0
 * started through runtime.ts exactly as main.ts starts them. Used by tests only.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import type { Client } from "@connectrpc/connect";
import { Redis } from "ioredis";
import { pino } from "pino";
import { generateSigningKey, type SigningKey } from "../../lib/auth/index.ts";
import { createPgPool, type Pool } from "../../lib/db/index.ts";
import { createServiceClient } from "../../lib/grpc/index.ts";
import { createTestDatabase, stackEnv, type TestDatabase } from "../../lib/testing/index.ts";
import { IdentityService } from "../../gen/xtream/identity/v1/identity_service_pb.js";
import { migrateIdentity } from "./migrations/migrate.ts";
import { startIdentity, type RunningIdentity as StartedIdentity, type StartIdentityOptions } from "./runtime.ts";

/** A started identity service and a client for it. */
export interface RunningIdentity {
  client: Client<typeof IdentityService>;
  address: string;
  service: StartedIdentity;
}

/** Cheap scrypt parameters for tests (the format and code path are the real ones). */
export const TEST_SCRYPT = { logN: 10, r: 8, p: 1 };

/** The shared resources of one test file. */
export interface IdentityHarness {
  /** The test database, for assertions on what the service stored (and for moving its clock). */
  pool: Pool;
  redis: Redis;
  redisKeyPrefix: string;
  signingKey: SigningKey;
  /** Every log line written by the servers started here. */
  logs: string[];
  start(overrides?: Partial<StartIdentityOptions>): Promise<RunningIdentity>;
  close(): Promise<void>;
}

/** Creates the database, Redis connection and signing key for one test file. */
export async function createIdentityHarness(): Promise<IdentityHarness> {
  const db: TestDatabase = await createTestDatabase("identity");
  const pool = createPgPool(db.url, 5);
  await migrateIdentity(pool);
  const redis = new Redis(stackEnv().redisUrl, { maxRetriesPerRequest: 1 });
  const redisKeyPrefix = `test:identity:${randomBytes(6).toString("hex")}`;
  const signingKey = await generateSigningKey();
  const logs: string[] = [];
  const logger = pino(
    { level: "debug" },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString("utf8"));
        done();
      },
    }),
  );
  const running: RunningIdentity[] = [];

  return {
    pool,
    redis,
    redisKeyPrefix,
    signingKey,
    logs,
    async start(overrides = {}) {
      const service = await startIdentity({
        port: 0,
        databaseUrl: db.url,
        redisUrl: stackEnv().redisUrl,
        kafkaBrokers: stackEnv().kafkaBrokers,
        outboxPollMs: 200,
        logger,
        signingKeys: [signingKey],
        accessTokenTtlSeconds: 300,
        refreshTokenTtlSeconds: 3600,
        loginLimits: { perAccount: 1000, perAddress: 1000, windowMs: 60_000, keyPrefix: redisKeyPrefix },
        registrationLimits: { perAddress: 1000, windowMs: 60_000, keyPrefix: `${redisKeyPrefix}:register` },
        scrypt: TEST_SCRYPT,
        trustForwardedFor: true,
        ...overrides,
      });
      const address = service.address;
      const started = { client: createServiceClient(IdentityService, { address }), address, service };
      running.push(started);
      return started;
    },
    async close() {
      await Promise.all(running.map((entry) => entry.service.stop(1000)));
      const keys = await redis.keys(`${redisKeyPrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await pool.end();
      await db.drop();
    },
  };
}

/** Per-call options carrying an access token (and optionally a client address). */
export function withToken(accessToken: string, forwardedFor?: string): { headers: Record<string, string> } {
  const headers: Record<string, string> = { authorization: `Bearer ${accessToken}` };
  if (forwardedFor) headers["x-forwarded-for"] = forwardedFor;
  return { headers };
}

/** A unique, valid account to register. */
export function newAccount(label = "user"): { email: string; handle: string; password: string; displayName: string } {
  const id = randomBytes(5).toString("hex");
  return { email: `${label}.${id}@example.com`, handle: `${label}_${id}`, password: `pw-${randomBytes(8).toString("hex")}`, displayName: "" };
}
