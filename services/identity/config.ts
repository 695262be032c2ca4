import { common, loadConfig, z } from "../../lib/config.ts";
import type { SigningKey } from "../../lib/auth/index.ts";

const privateJwk = z.looseObject({
  kty: z.literal("EC"),
  crv: z.literal("P-256"),
  kid: z.string().min(1),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
});

/**
 * IDENTITY_SIGNING_KEYS: a JSON array of private ES256 JWKs, each with a kid,
 * the current key first. Older keys stay listed (and published in the JWKS)
 * until the tokens they signed have expired. Parse errors never echo the
 * value: it is a secret.
 */
const signingKeys = z
  .string()
  .min(1)
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON array of private ES256 JWKs (not valid JSON)" });
      return z.NEVER;
    }
  })
  .pipe(z.array(privateJwk, { error: "must be a JSON array of private ES256 JWKs with kid" }).min(1))
  .refine((keys) => new Set(keys.map((key) => key.kid)).size === keys.length, "key ids (kid) must be unique")
  .transform((keys): SigningKey[] => keys.map((key) => ({ kid: key.kid, privateJwk: key })));

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The identity service's configuration, from the environment. */
export const identityConfigSchema = z.object({
  IDENTITY_GRPC_HOST: common.host,
  IDENTITY_GRPC_PORT: common.port(50051),
  DATABASE_URL: common.databaseUrl,
  REDIS_URL: common.redisUrl,
  /** The gateway's credential: x-forwarded-for is believed only on calls carrying it (lib/auth/service-key.ts). */
  INTERNAL_SERVICE_KEYS: common.serviceKeys,
  /** account.deleted goes out through the outbox (lib/outbox) to these brokers. */
  KAFKA_BROKERS: common.kafkaBrokers,
  /** Partitions of the topics identity creates (account.deleted), as the other services. */
  KAFKA_TOPIC_PARTITIONS: common.kafkaTopicPartitions,
  LOG_LEVEL: common.logLevel,
  IDENTITY_SIGNING_KEYS: signingKeys,
  IDENTITY_ACCESS_TOKEN_TTL_SECONDS: positiveInt(15 * 60),
  IDENTITY_REFRESH_TOKEN_TTL_SECONDS: positiveInt(30 * 24 * 3600),
  /** Expired refresh tokens are deleted this long after expiry (until then a late reuse still revokes its family). */
  IDENTITY_REFRESH_TOKEN_RETAIN_SECONDS: positiveInt(7 * 24 * 3600),
  IDENTITY_REFRESH_SWEEP_INTERVAL_SECONDS: positiveInt(3600),
  /** A refresh retried this soon with the same refresh token returns the same new pair instead of revoking the session. */
  IDENTITY_REFRESH_RETRY_GRACE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  IDENTITY_LOGIN_LIMIT_PER_ACCOUNT: positiveInt(5),
  IDENTITY_LOGIN_LIMIT_PER_ADDRESS: positiveInt(20),
  IDENTITY_LOGIN_WINDOW_SECONDS: positiveInt(60),
  IDENTITY_REGISTER_LIMIT_PER_ADDRESS: positiveInt(10),
  IDENTITY_REGISTER_WINDOW_SECONDS: positiveInt(3600),
  IDENTITY_SCRYPT_LOG_N: z.coerce.number().int().min(10).max(20).default(15),
  IDENTITY_SCRYPT_R: z.coerce.number().int().min(1).max(32).default(8),
  IDENTITY_SCRYPT_P: z.coerce.number().int().min(1).max(16).default(1),
  /**
   * Take the client address from the last x-forwarded-for entry (set by the
   * gateway, the only caller of identity in a deployment). Turn off where
   * clients can reach identity directly, or they could pick their address.
   */
  IDENTITY_TRUST_FORWARDED_FOR: z
    .enum(["true", "false"])
    .default("true")
    .transform((value) => value === "true"),
});

/** Parsed identity configuration. */
export type IdentityConfig = z.infer<typeof identityConfigSchema>;

/** Reads and checks the identity configuration once, at start-up. */
export function loadIdentityConfig(env?: Record<string, string | undefined>): IdentityConfig {
  return loadConfig(identityConfigSchema, env);
}
