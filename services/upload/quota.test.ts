import { randomBytes, randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failureOf } from "../../lib/testing/index.ts";
import { startUploadHarness, type UploadHarness } from "./testing.ts";

// Per-account quotas against the real upload service, catalog, PostgreSQL and MinIO.
const MiB = 1024 * 1024;
let h: UploadHarness;

beforeAll(async () => {
  h = await startUploadHarness({ maxOpenSessionsPerAccount: 2, maxStoredBytesPerAccount: 12 * MiB });
});
afterAll(() => h.close());

const meta = (channelId: string, sizeBytes: number) => ({ channelId, title: "quota", contentType: "video/mp4", sizeBytes: BigInt(sizeBytes), filename: "q.mp4" });

async function videosOf(channelId: string) {
  const { rows } = await h.catalogPool.query<{ id: string }>("SELECT id FROM catalog.videos WHERE channel_id = $1", [channelId]);
  return rows.length;
}

describe("per-account quotas", () => {
  it("refuses a session over the open-sessions limit with RESOURCE_EXHAUSTED naming it, before any video is created; one ends, one more fits", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const client = await h.client(user);
    const first = (await client.startUpload({ metadata: meta(channelId, MiB) })).session!;
    await client.startUpload({ metadata: meta(channelId, MiB) });
    const refused = await failureOf(client.startUpload({ metadata: meta(channelId, MiB) }));
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.rawMessage).toMatch(/open upload sessions limit reached: 2 of 2/);
    expect(await videosOf(channelId)).toBe(2);
    // Another account is not affected.
    const other = randomUUID();
    await (await h.client(other)).startUpload({ metadata: meta(await h.channelOf(other), MiB) });
    await client.cancelUpload({ uploadId: first.uploadId });
    await expect(client.startUpload({ metadata: meta(channelId, MiB) })).resolves.toBeDefined();
  });

  it("refuses an upload that would go over the stored-bytes quota, counting finished uploads and open sessions", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const client = await h.client(user);
    const data = randomBytes(6 * MiB);
    async function* messages() {
      yield { part: { case: "metadata" as const, value: meta(channelId, data.length) } };
      yield { part: { case: "chunk" as const, value: data.subarray(0, 4 * MiB) } };
      yield { part: { case: "chunk" as const, value: data.subarray(4 * MiB) } };
    }
    await client.upload(messages());
    await client.startUpload({ metadata: meta(channelId, 5 * MiB) });
    // 6 MiB stored + 5 MiB open = 11 MiB of 12: 2 MiB more does not fit.
    const refused = await failureOf(client.startUpload({ metadata: meta(channelId, 2 * MiB) }));
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.rawMessage).toContain(`storage quota exceeded: ${11 * MiB} of ${12 * MiB} bytes used`);
    await expect(client.startUpload({ metadata: meta(channelId, MiB) }).then(() => "ok")).resolves.toBe("ok");
  });

  it("lets only as many concurrent opens through as the limit allows", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const client = await h.client(user);
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => client.startUpload({ metadata: meta(channelId, MiB) })));
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(2);
    const { rows } = await h.upload.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM upload.upload_sessions WHERE owner_id = $1 AND state = 'active'", [user]);
    expect(rows[0]?.n).toBe(2);
  });
});
