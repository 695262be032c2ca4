import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenVerifier } from "../../lib/auth/index.ts";
import { failureOf as failure } from "../../lib/testing/index.ts";
import { createIdentityHarness, newAccount, withToken, type IdentityHarness, type RunningIdentity } from "./testing.ts";

let harness: IdentityHarness;
let identity: RunningIdentity;

beforeAll(async () => {
  harness = await createIdentityHarness();
  identity = await harness.start();
});
afterAll(() => harness.close());

async function register(label = "user") {
  const account = newAccount(label);
  const response = await identity.client.register(account);
  return { account, user: response.user!, session: response.session! };
}

const userCount = async () => (await harness.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM identity.users")).rows[0]!.n;

describe("Register", () => {
  it("creates the account, normalises the email, and signs in with a token that verifies against GetJwks", async () => {
    const account = newAccount("reg");
    const response = await identity.client.register({ ...account, email: account.email.toUpperCase() });
    expect(response.user).toMatchObject({ email: account.email, handle: account.handle, displayName: account.handle, bio: "" });
    expect(response.user!.id).toMatch(/^[0-9a-f-]{36}$/);
    const session = response.session!;
    expect(session.refreshToken).toMatch(/^xrt_[A-Za-z0-9_-]{43}$/);
    expect(timestampDate(session.accessTokenExpireTime!).getTime()).toBeGreaterThan(Date.now());
    expect(timestampDate(session.refreshTokenExpireTime!).getTime()).toBeGreaterThan(timestampDate(session.accessTokenExpireTime!).getTime());

    const verifier = createTokenVerifier({ loadJwks: async () => JSON.parse((await identity.client.getJwks({})).jwksJson) as never });
    await expect(verifier.verify(session.accessToken)).resolves.toEqual({ userId: response.user!.id, handle: account.handle });
  });

  it("answers ALREADY_EXISTS for a taken email (any case) or handle, and stores nothing", async () => {
    const { account } = await register("dup");
    const before = await userCount();
    const sameEmail = await failure(identity.client.register({ ...newAccount("other"), email: account.email.replace("dup", "DUP") }));
    expect(sameEmail.code).toBe(Code.AlreadyExists);
    expect(sameEmail.rawMessage).toContain("email");
    const sameHandle = await failure(identity.client.register({ ...newAccount("other"), handle: account.handle }));
    expect(sameHandle.code).toBe(Code.AlreadyExists);
    expect(sameHandle.rawMessage).toContain("handle");
    expect(await userCount()).toBe(before);
    const families = await harness.pool.query("SELECT 1 FROM identity.refresh_families f LEFT JOIN identity.users u ON u.id = f.user_id WHERE u.id IS NULL");
    expect(families.rowCount).toBe(0);
  });

  it.each([
    ["email", { email: "not-an-email" }],
    ["handle", { handle: "Bad Handle!" }],
    ["handle", { handle: "ab" }],
    ["password", { password: "short" }],
    ["display_name", { displayName: "x".repeat(101) }],
  ])("rejects an invalid %s with INVALID_ARGUMENT naming it", async (field, change) => {
    const before = await userCount();
    const error = await failure(identity.client.register({ ...newAccount(), ...change }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toContain(field);
    expect(await userCount()).toBe(before);
  });
});

describe("Login", () => {
  it("signs in with the email in any case and returns the user with a new session", async () => {
    const { account, user, session } = await register("login");
    const response = await identity.client.login({ email: `  ${account.email.toUpperCase()} `, password: account.password });
    expect(response.user).toMatchObject({ id: user.id, email: account.email });
    expect(response.session!.refreshToken).not.toBe(session.refreshToken);
    await expect(identity.client.getProfile({}, withToken(response.session!.accessToken))).resolves.toMatchObject({ user: { id: user.id } });
  });

  it("answers exactly the same for an unknown email and a wrong password", async () => {
    const { account } = await register("same");
    const wrongPassword = await failure(identity.client.login({ email: account.email, password: `${account.password}x` }));
    const unknownUser = await failure(identity.client.login({ email: `nobody.${account.email}`, password: account.password }));
    expect(wrongPassword.code).toBe(Code.Unauthenticated);
    expect(unknownUser.code).toBe(wrongPassword.code);
    expect(unknownUser.rawMessage).toBe(wrongPassword.rawMessage);
    expect(unknownUser.rawMessage).toBe("invalid email or password");
  });

  it("rejects empty fields with INVALID_ARGUMENT naming them", async () => {
    expect((await failure(identity.client.login({ email: "", password: "x" }))).rawMessage).toContain("email");
    expect((await failure(identity.client.login({ email: "a@b.c", password: "" }))).rawMessage).toContain("password");
  });
});

describe("GetProfile", () => {
  it("returns the caller's own profile, with email, when user_id is empty", async () => {
    const { account, user, session } = await register("me");
    const response = await identity.client.getProfile({}, withToken(session.accessToken));
    expect(response.user).toMatchObject({ id: user.id, email: account.email, handle: account.handle });
  });

  it("shows another user's profile without their email, also to anonymous callers", async () => {
    const alice = await register("alice");
    const bob = await register("bob");
    const seenByBob = await identity.client.getProfile({ userId: alice.user.id }, withToken(bob.session.accessToken));
    expect(seenByBob.user).toMatchObject({ id: alice.user.id, handle: alice.account.handle, email: "" });
    const anonymous = await identity.client.getProfile({ userId: alice.user.id });
    expect(anonymous.user).toMatchObject({ id: alice.user.id, email: "" });
    const own = await identity.client.getProfile({ userId: alice.user.id }, withToken(alice.session.accessToken));
    expect(own.user!.email).toBe(alice.account.email);
  });

  it("needs a token for the caller's own profile and rejects a bad one", async () => {
    expect((await failure(identity.client.getProfile({}))).code).toBe(Code.Unauthenticated);
    expect((await failure(identity.client.getProfile({}, withToken("not.a.jwt")))).code).toBe(Code.Unauthenticated);
  });

  it("answers NOT_FOUND for an unknown user and INVALID_ARGUMENT for a malformed id", async () => {
    expect((await failure(identity.client.getProfile({ userId: "00000000-0000-4000-8000-000000000000" }))).code).toBe(Code.NotFound);
    const malformed = await failure(identity.client.getProfile({ userId: "nope" }));
    expect(malformed.code).toBe(Code.InvalidArgument);
    expect(malformed.rawMessage).toContain("user_id");
  });
});

describe("UpdateProfile", () => {
  it("changes only the fields named in the mask", async () => {
    const { session } = await register("upd");
    const auth = withToken(session.accessToken);
    await identity.client.updateProfile({ profile: { bio: "first bio", displayName: "First" }, updateMask: { paths: ["bio", "display_name"] } }, auth);
    const response = await identity.client.updateProfile(
      { profile: { displayName: "  New Name ", bio: "ignored", avatarUrl: "https://cdn.example.com/a.png" }, updateMask: { paths: ["display_name", "avatar_url"] } },
      auth,
    );
    expect(response.user).toMatchObject({ displayName: "New Name", bio: "first bio", avatarUrl: "https://cdn.example.com/a.png" });
    await expect(identity.client.getProfile({}, auth)).resolves.toMatchObject({ user: { displayName: "New Name", bio: "first bio" } });
  });

  it("rejects an unknown or empty mask and a non-http avatar with INVALID_ARGUMENT, changing nothing", async () => {
    const { session } = await register("badmask");
    const auth = withToken(session.accessToken);
    const unknown = await failure(identity.client.updateProfile({ profile: { bio: "x" }, updateMask: { paths: ["bio", "email"] } }, auth));
    expect(unknown.code).toBe(Code.InvalidArgument);
    expect(unknown.rawMessage).toContain("update_mask");
    const empty = await failure(identity.client.updateProfile({ profile: { bio: "x" }, updateMask: { paths: [] } }, auth));
    expect(empty.rawMessage).toContain("update_mask");
    const missing = await failure(identity.client.updateProfile({ profile: { bio: "x" } }, auth));
    expect(missing.code).toBe(Code.InvalidArgument);
    expect(missing.rawMessage).toContain("update_mask");
    const script = await failure(identity.client.updateProfile({ profile: { avatarUrl: "javascript:alert(1)" }, updateMask: { paths: ["avatar_url"] } }, auth));
    expect(script.code).toBe(Code.InvalidArgument);
    expect(script.rawMessage).toContain("avatar_url");
    await expect(identity.client.getProfile({}, auth)).resolves.toMatchObject({ user: { bio: "", avatarUrl: "" } });
  });

  it("needs a valid access token", async () => {
    const error = await failure(identity.client.updateProfile({ profile: { bio: "x" }, updateMask: { paths: ["bio"] } }));
    expect(error.code).toBe(Code.Unauthenticated);
  });
});

describe("ChangePassword", () => {
  it("checks the current password, revokes every other session and returns a new one", async () => {
    const { account, session } = await register("chpw");
    const otherDevice = (await identity.client.login({ email: account.email, password: account.password })).session!;
    const wrong = await failure(identity.client.changePassword({ currentPassword: "not-it", newPassword: "another-password-1" }, withToken(session.accessToken)));
    expect(wrong.code).toBe(Code.InvalidArgument);
    expect(wrong.rawMessage).toContain("current_password");

    const response = await identity.client.changePassword({ currentPassword: account.password, newPassword: "another-password-1" }, withToken(session.accessToken));
    const fresh = response.session!;
    for (const old of [session.refreshToken, otherDevice.refreshToken]) {
      expect((await failure(identity.client.refresh({ refreshToken: old }))).code).toBe(Code.Unauthenticated);
    }
    await expect(identity.client.refresh({ refreshToken: fresh.refreshToken })).resolves.toBeDefined();
    expect((await failure(identity.client.login({ email: account.email, password: account.password }))).code).toBe(Code.Unauthenticated);
    await expect(identity.client.login({ email: account.email, password: "another-password-1" })).resolves.toBeDefined();
  });

  it("validates input and needs a token", async () => {
    const { account, session } = await register("chpw2");
    const short = await failure(identity.client.changePassword({ currentPassword: account.password, newPassword: "short" }, withToken(session.accessToken)));
    expect(short.code).toBe(Code.InvalidArgument);
    expect(short.rawMessage).toContain("new_password");
    expect((await failure(identity.client.changePassword({ currentPassword: account.password, newPassword: "long-enough-1" }))).code).toBe(Code.Unauthenticated);
    await expect(identity.client.login({ email: account.email, password: account.password })).resolves.toBeDefined();
  });
});

describe("GetJwks", () => {
  it("publishes the public key only, with its kid", async () => {
    const jwks = JSON.parse((await identity.client.getJwks({})).jwksJson) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kid: harness.signingKey.kid, kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });
});
