import { Code } from "@connectrpc/connect";
import type { JSONWebKeySet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenVerifier, generateSigningKey } from "../../lib/auth/index.ts";
import { hashRefreshToken } from "./domain/refresh-tokens.ts";
import { createPasswordHasher, type PasswordHasher } from "./domain/passwords.ts";
import { failureOf as failure } from "../../lib/testing/index.ts";
import { createIdentityHarness, newAccount, TEST_SCRYPT, withToken, type IdentityHarness, type RunningIdentity } from "./testing.ts";

let harness: IdentityHarness;
let identity: RunningIdentity;

beforeAll(async () => {
  harness = await createIdentityHarness();
  identity = await harness.start();
});
afterAll(() => harness.close());

async function register(client = identity.client) {
  const account = newAccount("sess");
  const response = await client.register(account);
  return { account, user: response.user!, session: response.session! };
}

const jwksOf = async (running: RunningIdentity) => JSON.parse((await running.client.getJwks({})).jwksJson) as JSONWebKeySet;

describe("Refresh", () => {
  it("rotates: each refresh token works once and hands out a new pair", async () => {
    const { user, session } = await register();
    const first = (await identity.client.refresh({ refreshToken: session.refreshToken })).session!;
    expect(first.refreshToken).not.toBe(session.refreshToken);
    expect(first.accessToken).not.toBe(session.accessToken);
    const verifier = createTokenVerifier({ loadJwks: () => jwksOf(identity) });
    await expect(verifier.verify(first.accessToken)).resolves.toMatchObject({ userId: user.id });
    const second = (await identity.client.refresh({ refreshToken: first.refreshToken })).session!;
    expect(second.refreshToken).not.toBe(first.refreshToken);
  });

  it("revokes the whole family when a used token comes back after the session moved on: the newest token fails too, other sessions live on", async () => {
    const { account, session } = await register();
    const otherDevice = (await identity.client.login({ email: account.email, password: account.password })).session!;
    const moved = (await identity.client.refresh({ refreshToken: session.refreshToken })).session!;
    const rotated = (await identity.client.refresh({ refreshToken: moved.refreshToken })).session!;

    const reuse = await failure(identity.client.refresh({ refreshToken: session.refreshToken }));
    expect(reuse.code).toBe(Code.Unauthenticated);
    const newest = await failure(identity.client.refresh({ refreshToken: rotated.refreshToken }));
    expect(newest.code).toBe(Code.Unauthenticated);
    await expect(identity.client.refresh({ refreshToken: otherDevice.refreshToken })).resolves.toBeDefined();
    expect(harness.logs.some((line) => line.includes("refresh token reused"))).toBe(true);
  });

  it("answers concurrent refreshes with one token (a retrying client) with the same new refresh token, rotating once", async () => {
    const { session } = await register();
    const results = await Promise.all(Array.from({ length: 5 }, () => identity.client.refresh({ refreshToken: session.refreshToken })));
    expect(new Set(results.map((result) => result.session!.refreshToken)).size).toBe(1);
    const { rows } = await harness.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM identity.refresh_tokens WHERE family_id = (SELECT family_id FROM identity.refresh_tokens WHERE token_hash = $1)",
      [hashRefreshToken(session.refreshToken)],
    );
    expect(rows[0]?.n).toBe(2);
    await expect(identity.client.refresh({ refreshToken: results[0]!.session!.refreshToken })).resolves.toBeDefined();
  });

  it("gives a refresh retried within the grace window the same new pair; after the window it is reuse and ends the session", async () => {
    const { session } = await register();
    const first = (await identity.client.refresh({ refreshToken: session.refreshToken })).session!;
    const retried = (await identity.client.refresh({ refreshToken: session.refreshToken })).session!;
    expect(retried.refreshToken).toBe(first.refreshToken);
    const verifier = createTokenVerifier({ loadJwks: () => jwksOf(identity) });
    await expect(verifier.verify(retried.accessToken)).resolves.toBeDefined();
    // The same retry 31 s later (the window is 30 s): reuse.
    await harness.pool.query("UPDATE identity.refresh_tokens SET used_at = now() - interval '31 seconds' WHERE token_hash = $1", [hashRefreshToken(session.refreshToken)]);
    expect((await failure(identity.client.refresh({ refreshToken: session.refreshToken }))).code).toBe(Code.Unauthenticated);
    expect((await failure(identity.client.refresh({ refreshToken: first.refreshToken }))).code).toBe(Code.Unauthenticated);
  });

  it("rejects unknown, malformed and expired refresh tokens", async () => {
    expect((await failure(identity.client.refresh({ refreshToken: "xrt_" + "A".repeat(43) }))).code).toBe(Code.Unauthenticated);
    expect((await failure(identity.client.refresh({ refreshToken: "garbage" }))).code).toBe(Code.Unauthenticated);
    const empty = await failure(identity.client.refresh({ refreshToken: "" }));
    expect(empty.code).toBe(Code.InvalidArgument);
    expect(empty.rawMessage).toContain("refresh_token");

    const { session } = await register();
    await harness.pool.query("UPDATE identity.refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1", [hashRefreshToken(session.refreshToken)]);
    expect((await failure(identity.client.refresh({ refreshToken: session.refreshToken }))).code).toBe(Code.Unauthenticated);
  });
});

describe("Logout", () => {
  it("revokes the session's family, is idempotent, and leaves other sessions alone", async () => {
    const { account, session } = await register();
    const otherDevice = (await identity.client.login({ email: account.email, password: account.password })).session!;
    const rotated = (await identity.client.refresh({ refreshToken: session.refreshToken })).session!;
    await identity.client.logout({ refreshToken: session.refreshToken });
    expect((await failure(identity.client.refresh({ refreshToken: rotated.refreshToken }))).code).toBe(Code.Unauthenticated);
    await expect(identity.client.logout({ refreshToken: rotated.refreshToken })).resolves.toBeDefined();
    await expect(identity.client.logout({ refreshToken: "xrt_unknown" })).resolves.toBeDefined();
    await expect(identity.client.refresh({ refreshToken: otherDevice.refreshToken })).resolves.toBeDefined();
    expect((await failure(identity.client.logout({ refreshToken: "" }))).rawMessage).toContain("refresh_token");
  });
});

describe("signing key rotation", () => {
  it("keeps tokens signed by the previous key valid while it is listed, and signs new ones with the current key", async () => {
    const oldKey = harness.signingKey;
    const newKey = await generateSigningKey();
    const { session } = await register();

    const rotated = await harness.start({ signingKeys: [newKey, oldKey] });
    const jwks = await jwksOf(rotated);
    expect(jwks.keys.map((key) => key.kid)).toEqual([newKey.kid, oldKey.kid]);
    const verifier = createTokenVerifier({ loadJwks: () => jwksOf(rotated) });
    await expect(verifier.verify(session.accessToken)).resolves.toBeDefined();

    const fresh = (await rotated.client.refresh({ refreshToken: session.refreshToken })).session!;
    const header = JSON.parse(Buffer.from(fresh.accessToken.split(".")[0]!, "base64url").toString()) as { kid: string; alg: string };
    expect(header).toMatchObject({ kid: newKey.kid, alg: "ES256" });
    await expect(verifier.verify(fresh.accessToken)).resolves.toBeDefined();
    // The rotated server also accepts the old key's tokens on its own RPCs.
    await expect(rotated.client.getProfile({}, withToken(session.accessToken))).resolves.toBeDefined();

    const retired = await harness.start({ signingKeys: [newKey] });
    const retiredVerifier = createTokenVerifier({ loadJwks: () => jwksOf(retired) });
    await expect(retiredVerifier.verify(session.accessToken)).rejects.toMatchObject({ kind: "unauthenticated" });
    expect((await failure(retired.client.getProfile({}, withToken(session.accessToken)))).code).toBe(Code.Unauthenticated);
  });
});

describe("login rate limits", () => {
  it("limits attempts per account, right password or not, without affecting other accounts", async () => {
    const limited = await harness.start({ loginLimits: { perAccount: 3, perAddress: 1000, windowMs: 60_000, keyPrefix: `${harness.redisKeyPrefix}:acct` } });
    const { account } = await register(limited.client);
    const other = await register(limited.client);
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await failure(limited.client.login({ email: account.email, password: "wrong-password" }))).code).toBe(Code.Unauthenticated);
    }
    const blocked = await failure(limited.client.login({ email: account.email.toUpperCase(), password: account.password }));
    expect(blocked.code).toBe(Code.ResourceExhausted);
    await expect(limited.client.login({ email: other.account.email, password: other.account.password })).resolves.toBeDefined();
  });

  it("limits attempts per client address (x-forwarded-for from the gateway), across accounts", async () => {
    const limited = await harness.start({ loginLimits: { perAccount: 1000, perAddress: 4, windowMs: 60_000, keyPrefix: `${harness.redisKeyPrefix}:addr` } });
    const { account } = await register(limited.client);
    const from = (address: string) => ({ headers: { "x-forwarded-for": address } });
    for (let attempt = 0; attempt < 4; attempt++) {
      const error = await failure(limited.client.login({ email: `nobody${attempt}@example.com`, password: "whatever-pw" }, from("203.0.113.7")));
      expect(error.code).toBe(Code.Unauthenticated);
    }
    const blocked = await failure(limited.client.login({ email: account.email, password: account.password }, from("203.0.113.7")));
    expect(blocked.code).toBe(Code.ResourceExhausted);
    // A client-supplied entry before the gateway's does not move the caller to another bucket.
    expect((await failure(limited.client.login({ email: account.email, password: account.password }, from("198.51.100.1, 203.0.113.7")))).code).toBe(Code.ResourceExhausted);
    await expect(limited.client.login({ email: account.email, password: account.password }, from("203.0.113.8"))).resolves.toBeDefined();
  });

  it("uses the transport peer when x-forwarded-for is not trusted", async () => {
    const limited = await harness.start({
      trustForwardedFor: false,
      loginLimits: { perAccount: 1000, perAddress: 2, windowMs: 60_000, keyPrefix: `${harness.redisKeyPrefix}:peer` },
    });
    for (const address of ["192.0.2.1", "192.0.2.2"]) {
      await failure(limited.client.login({ email: "x@example.com", password: "whatever-pw" }, { headers: { "x-forwarded-for": address } }));
    }
    const blocked = await failure(limited.client.login({ email: "y@example.com", password: "whatever-pw" }, { headers: { "x-forwarded-for": "192.0.2.3" } }));
    expect(blocked.code).toBe(Code.ResourceExhausted);
  });

  it("counts change-password attempts against the account too", async () => {
    const limited = await harness.start({ loginLimits: { perAccount: 2, perAddress: 1000, windowMs: 60_000, keyPrefix: `${harness.redisKeyPrefix}:chpw` } });
    const { account, session } = await register(limited.client);
    for (let attempt = 0; attempt < 2; attempt++) {
      await failure(limited.client.changePassword({ currentPassword: "guess-guess", newPassword: "new-password-1" }, withToken(session.accessToken)));
    }
    const blocked = await failure(limited.client.changePassword({ currentPassword: account.password, newPassword: "new-password-1" }, withToken(session.accessToken)));
    expect(blocked.code).toBe(Code.ResourceExhausted);
  });

  it("limits sign-ups per client address", async () => {
    const limited = await harness.start({ registrationLimits: { perAddress: 2, windowMs: 3600_000, keyPrefix: `${harness.redisKeyPrefix}:reg` } });
    const from = (address: string) => ({ headers: { "x-forwarded-for": address } });
    await limited.client.register(newAccount("r1"), from("203.0.113.20"));
    await limited.client.register(newAccount("r2"), from("203.0.113.20"));
    const before = (await harness.pool.query("SELECT 1 FROM identity.users")).rowCount;
    const blocked = await failure(limited.client.register(newAccount("r3"), from("203.0.113.20")));
    expect(blocked.code).toBe(Code.ResourceExhausted);
    expect((await harness.pool.query("SELECT 1 FROM identity.users")).rowCount).toBe(before);
    await expect(limited.client.register(newAccount("r4"), from("203.0.113.21"))).resolves.toBeDefined();
  });

  it("fails open, with a warning, when Redis is unreachable", async () => {
    // Nothing listens on port 1: every limiter command fails at once.
    const open = await harness.start({ redisUrl: "redis://127.0.0.1:1", loginLimits: { perAccount: 1, perAddress: 1, windowMs: 60_000 } });
    const { account } = await register(open.client);
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(open.client.login({ email: account.email, password: account.password })).resolves.toBeDefined();
    }
    expect(harness.logs.some((line) => line.includes("login rate limiter unavailable"))).toBe(true);
  });
});

describe("password storage", () => {
  it("stores a salted scrypt hash and never the password or a refresh token, anywhere", async () => {
    const { account, user, session } = await register();
    const login = (await identity.client.login({ email: account.email, password: account.password }, { headers: { "x-forwarded-for": "192.0.2.50" } })).session!;
    const refreshed = (await identity.client.refresh({ refreshToken: login.refreshToken })).session!;

    const stored = await harness.pool.query<{ password_hash: string }>("SELECT password_hash FROM identity.users WHERE id = $1", [user.id]);
    expect(stored.rows[0]!.password_hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);

    const tables = await harness.pool.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'identity'");
    const secrets = [account.password, session.refreshToken, login.refreshToken, refreshed.refreshToken];
    for (const { table_name } of tables.rows) {
      const rows = await harness.pool.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM identity.${table_name} t`);
      for (const { row } of rows.rows) for (const secret of secrets) expect(row).not.toContain(secret);
    }
    const keys = await harness.redis.keys(`${harness.redisKeyPrefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toContain(account.email);
      expect(key).not.toContain("192.0.2.50");
    }
    for (const line of harness.logs) for (const secret of [...secrets, session.accessToken]) expect(line).not.toContain(secret);
  });

  it("spends a password check on an unknown email too, and upgrades old hashes on login", async () => {
    const real = createPasswordHasher({ ...TEST_SCRYPT, logN: 11 });
    const calls = { verify: 0, dummy: 0 };
    const observed: PasswordHasher = {
      ...real,
      verify: (password, hash) => (calls.verify++, real.verify(password, hash)),
      verifyDummy: (password) => (calls.dummy++, real.verifyDummy(password)),
    };
    const upgraded = await harness.start({ hasher: observed });
    await failure(upgraded.client.login({ email: "no-such-user@example.com", password: "some-password" }));
    expect(calls).toEqual({ verify: 0, dummy: 1 });

    const { account, user } = await register(); // hashed with logN=10 by the default server
    await upgraded.client.login({ email: account.email, password: account.password });
    expect(calls.verify).toBe(1);
    const stored = await harness.pool.query<{ password_hash: string }>("SELECT password_hash FROM identity.users WHERE id = $1", [user.id]);
    expect(stored.rows[0]!.password_hash).toMatch(/^\$scrypt\$ln=11,/);
    await expect(identity.client.login({ email: account.email, password: account.password })).resolves.toBeDefined();
  });
});
