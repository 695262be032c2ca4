import { describe, expect, it } from "vitest";
import { generateSigningKey } from "../../lib/auth/index.ts";
import { ConfigError } from "../../lib/config.ts";
import { loadIdentityConfig } from "./config.ts";

const base = { DATABASE_URL: "postgres://u:p@127.0.0.1:5440/x", REDIS_URL: "redis://127.0.0.1:6390", KAFKA_BROKERS: "127.0.0.1:9092", INTERNAL_SERVICE_KEYS: "k".repeat(32) };

describe("identity config", () => {
  it("reads signing keys (current first) and the defaults", async () => {
    const [current, old] = [await generateSigningKey(), await generateSigningKey()];
    const config = loadIdentityConfig({ ...base, IDENTITY_SIGNING_KEYS: JSON.stringify([current.privateJwk, old.privateJwk]) });
    expect(config.IDENTITY_SIGNING_KEYS.map((key) => key.kid)).toEqual([current.kid, old.kid]);
    expect(config.IDENTITY_ACCESS_TOKEN_TTL_SECONDS).toBe(900);
    expect(config.IDENTITY_REFRESH_TOKEN_TTL_SECONDS).toBe(30 * 24 * 3600);
    expect(config.IDENTITY_LOGIN_LIMIT_PER_ACCOUNT).toBe(5);
    expect(config.IDENTITY_LOGIN_LIMIT_PER_ADDRESS).toBe(20);
    expect(config.IDENTITY_GRPC_PORT).toBe(50051);
  });

  it("names a missing or bad key setting without echoing the secret", async () => {
    expect(() => loadIdentityConfig(base)).toThrow(/IDENTITY_SIGNING_KEYS/);
    const secretish = '[{"kty":"EC","d":"SUPERSECRET"';
    try {
      loadIdentityConfig({ ...base, IDENTITY_SIGNING_KEYS: secretish });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain("IDENTITY_SIGNING_KEYS");
      expect((err as Error).message).not.toContain("SUPERSECRET");
    }
    const { privateJwk } = await generateSigningKey();
    const { d: _d, ...publicOnly } = privateJwk;
    expect(() => loadIdentityConfig({ ...base, IDENTITY_SIGNING_KEYS: JSON.stringify([publicOnly]) })).toThrow(/IDENTITY_SIGNING_KEYS/);
    expect(() => loadIdentityConfig({ ...base, IDENTITY_SIGNING_KEYS: JSON.stringify([privateJwk, privateJwk]) })).toThrow(/unique/);
  });
});
