import type { Redis } from "ioredis";
import { createHash } from "node:crypto";
import { createRevocationList, createTokenIssuer, createTokenVerifier, type SigningKey } from "../../lib/auth/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { createGrpcServer, registerService, type GrpcServer } from "../../lib/grpc/index.ts";
import type { Logger } from "../../lib/logger.ts";
import { IdentityService } from "../../gen/xtream/identity/v1/identity_service_pb.js";
import { createIdentityMetrics } from "./adapters/identity-metrics.ts";
import { createPgIdentityStore } from "./adapters/pg-identity-store.ts";
import { createRedisLoginRateLimiter } from "./adapters/redis-login-rate-limiter.ts";
import { createIdentity } from "./domain/identity.ts";
import { createPasswordHasher, type PasswordHasher, type ScryptParams } from "./domain/passwords.ts";
import { createIdentityHandlers } from "./rpc/identity-handlers.ts";

export interface IdentityServerOptions {
  pool: Pool;
  redis: Redis;
  logger: Logger;
  /** Signing keys, current first. */
  signingKeys: SigningKey[];
  /** Credentials the gateway presents; with them, x-forwarded-for is believed only from the gateway. */
  serviceKeys?: readonly string[];
  /** A refresh retried within this window with the same token returns the same new pair (default 30 s). */
  refreshRetryGraceMs?: number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  loginLimits: { perAccount: number; perAddress: number; windowMs: number; keyPrefix?: string };
  /** Sign-ups allowed per client address per window (default: 10 per hour). */
  registrationLimits?: { perAddress: number; windowMs: number; keyPrefix?: string };
  scrypt: ScryptParams;
  trustForwardedFor: boolean;
  /** Replaces the scrypt hasher built from `scrypt` (tests wrap the real one to observe it). */
  hasher?: PasswordHasher;
}

/**
 * Builds the identity gRPC server (not listening): PostgreSQL store, Redis
 * login limits, scrypt passwords and ES256 access tokens. Migrations are the
 * caller's job (runtime.ts runs them before this).
 */
export function createIdentityServer(options: IdentityServerOptions): GrpcServer {
  const issuer = createTokenIssuer({ keys: options.signingKeys, ttlSeconds: options.accessTokenTtlSeconds });
  const jwksJson = JSON.stringify(issuer.jwks());
  // Revoked sessions stay listed a minute past the longest an access token can live.
  const store = createPgIdentityStore(options.pool, options.accessTokenTtlSeconds + 60);
  const identity = createIdentity({
    store,
    hasher: options.hasher ?? createPasswordHasher(options.scrypt),
    accessTokens: issuer,
    rateLimiter: createRedisLoginRateLimiter({ redis: options.redis, logger: options.logger, ...options.loginLimits }),
    registrationLimiter: createRedisLoginRateLimiter({
      redis: options.redis,
      logger: options.logger,
      ...(options.registrationLimits ?? { perAddress: 10, windowMs: 3600_000 }),
      // Per address only: one email can be tried once anyway (then it exists).
      perAccount: Number.MAX_SAFE_INTEGER,
      keyPrefix: options.registrationLimits?.keyPrefix ?? "identity:register",
    }),
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds,
    // Bound to the current signing key (a secret already); rotating the key only ends the retry window early.
    refreshSecret: createHash("sha256").update(`xtream-refresh-successor|${JSON.stringify(options.signingKeys[0]?.privateJwk ?? {})}`).digest(),
    ...(options.refreshRetryGraceMs !== undefined ? { refreshRetryGraceMs: options.refreshRetryGraceMs } : {}),
    log: options.logger,
    observer: createIdentityMetrics(),
  });
  const handlers = createIdentityHandlers({
    identity,
    // Its own tokens, with its own keys and revocations (read from its database, not over gRPC).
    verifier: createTokenVerifier({
      loadJwks: async () => issuer.jwks(),
      revocations: createRevocationList({
        load: async (after) => {
          const page = await store.listRevokedSessions(after, 500);
          return { cursor: page.cursor, sessions: page.sessions.map((session) => ({ sessionId: session.familyId, expiresAt: session.expiresAt })) };
        },
      }),
    }),
    jwksJson: () => jwksJson,
    trustForwardedFor: options.trustForwardedFor,
    ...(options.serviceKeys ? { serviceKeys: options.serviceKeys } : {}),
  });
  return createGrpcServer({
    services: [registerService(IdentityService, handlers)],
    logger: options.logger,
    // Redis is not a readiness dependency: login limits fail open without it.
    readiness: async () => {
      await options.pool.query("SELECT 1");
      return true;
    },
  });
}
