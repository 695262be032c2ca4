import { fromBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountDeletedSchema } from "../../gen/xtream/events/v1/video_events_pb.js";
import { codeOf, failureOf } from "../../lib/testing/index.ts";
import { createIdentityHarness, newAccount, withToken, type IdentityHarness, type RunningIdentity } from "./testing.ts";

// DeleteAccount against a real identity server and PostgreSQL: the password
// is entered again, the account and its sessions are gone, and
// account.deleted is queued in the same transaction for the catalog.
let harness: IdentityHarness;
let identity: RunningIdentity;

beforeAll(async () => {
  harness = await createIdentityHarness();
  identity = await harness.start();
});
afterAll(() => harness.close());

async function accountDeletedEvents(userId: string): Promise<string[]> {
  const { rows } = await harness.pool.query<{ payload: Buffer }>("SELECT payload FROM identity.outbox WHERE topic = 'account.deleted' AND key = $1", [userId]);
  return rows.map((row) => fromBinary(AccountDeletedSchema, row.payload).userId);
}

describe("DeleteAccount", () => {
  it("needs the caller's token and the right password", async () => {
    const account = newAccount("del");
    const { user, session } = await identity.client.register(account);
    expect(await codeOf(identity.client.deleteAccount({ password: account.password }))).toBe(Code.Unauthenticated);
    const wrong = await failureOf(identity.client.deleteAccount({ password: "not-the-password" }, withToken(session!.accessToken)));
    expect(wrong.code).toBe(Code.InvalidArgument);
    expect(wrong.rawMessage).toContain("password");
    // Still there.
    await expect(identity.client.login({ email: account.email, password: account.password })).resolves.toBeDefined();
    expect(await accountDeletedEvents(user!.id)).toEqual([]);
  });

  it("deletes the account and every session, frees its email and handle, and queues account.deleted", async () => {
    const account = newAccount("del");
    const { user, session } = await identity.client.register(account);
    const other = (await identity.client.login({ email: account.email, password: account.password })).session!;
    await identity.client.deleteAccount({ password: account.password }, withToken(session!.accessToken));

    expect((await failureOf(identity.client.login({ email: account.email, password: account.password }))).code).toBe(Code.Unauthenticated);
    expect(await codeOf(identity.client.refresh({ refreshToken: session!.refreshToken }))).toBe(Code.Unauthenticated);
    expect(await codeOf(identity.client.refresh({ refreshToken: other.refreshToken }))).toBe(Code.Unauthenticated);
    expect(await codeOf(identity.client.getProfile({ userId: user!.id }))).toBe(Code.NotFound);
    expect(await accountDeletedEvents(user!.id)).toEqual([user!.id]);
    // The email and handle may be taken again.
    await expect(identity.client.register(account)).resolves.toBeDefined();
  });
});
