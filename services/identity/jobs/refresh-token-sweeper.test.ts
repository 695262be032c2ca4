import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentityHarness, newAccount, type IdentityHarness, type RunningIdentity } from "../testing.ts";
import { hashRefreshToken } from "../domain/refresh-tokens.ts";
import { createRefreshTokenSweeper } from "./refresh-token-sweeper.ts";

let harness: IdentityHarness;
let identity: RunningIdentity;

beforeAll(async () => {
  harness = await createIdentityHarness();
  identity = await harness.start();
});
afterAll(() => harness.close());

const exists = async (table: string, column: string, value: unknown) =>
  ((await harness.pool.query(`SELECT 1 FROM identity.${table} WHERE ${column} = $1`, [value])).rowCount ?? 0) > 0;

describe("refresh token sweeper", () => {
  it("deletes tokens expired beyond the retention and families left empty, keeping everything live", async () => {
    const old = (await identity.client.register(newAccount("old"))).session!;
    const live = (await identity.client.register(newAccount("live"))).session!;
    const oldHash = hashRefreshToken(old.refreshToken);
    const family = (await harness.pool.query<{ family_id: string }>("SELECT family_id FROM identity.refresh_tokens WHERE token_hash = $1", [oldHash])).rows[0]!.family_id;
    await harness.pool.query("UPDATE identity.refresh_tokens SET expires_at = now() - interval '10 days' WHERE token_hash = $1", [oldHash]);
    await harness.pool.query("UPDATE identity.refresh_families SET created_at = now() - interval '40 days' WHERE id = $1", [family]);

    const sweeper = createRefreshTokenSweeper({ pool: harness.pool, logger: pino({ level: "silent" }), retainMs: 7 * 24 * 3600 * 1000, intervalMs: 60_000, batchSize: 1 });
    const swept = await sweeper.sweepOnce();
    expect(swept.tokens).toBeGreaterThanOrEqual(1);
    expect(swept.families).toBeGreaterThanOrEqual(1);
    expect(await exists("refresh_tokens", "token_hash", oldHash)).toBe(false);
    expect(await exists("refresh_families", "id", family)).toBe(false);
    expect(await exists("refresh_tokens", "token_hash", hashRefreshToken(live.refreshToken))).toBe(true);
    await expect(identity.client.refresh({ refreshToken: live.refreshToken })).resolves.toBeDefined();
    await expect(sweeper.sweepOnce()).resolves.toEqual({ tokens: 0, families: 0 });
  });
});
