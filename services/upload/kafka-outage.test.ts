import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUploadHarness, type UploadHarness } from "./testing.ts";

// Stopping Kafka disturbs whatever else runs at that moment: this file keeps
// the outage short and always restarts Kafka.
const run = promisify(execFile);
const kafkaScript = fileURLToPath(new URL("../../scripts/stack/kafka.sh", import.meta.url));
const kafka = (command: "stop" | "start") => run("bash", [kafkaScript, command], { timeout: 120_000 });

let h: UploadHarness;
beforeAll(async () => {
  h = await startUploadHarness();
});
afterAll(() => h.close());

describe("Kafka down while an upload finishes", () => {
  it("the upload succeeds, and video.uploaded is published exactly once when Kafka is back", { timeout: 240_000 }, async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const client = await h.client(user);
    const data = randomBytes(1024 * 1024);
    const { session } = await client.startUpload({
      metadata: { channelId, title: "During an outage", contentType: "video/mp4", sizeBytes: BigInt(data.byteLength) },
    });
    const uploadId = session?.uploadId ?? "";
    const videoId = session?.videoId ?? "";
    await client.putChunk({ uploadId, offset: 0n, data });

    try {
      await kafka("stop");
      const finished = await client.finishUpload({ uploadId });
      expect(finished.videoId).toBe(videoId);
      await sleep(1500);
      const pending = await h.upload.pool.query<{ published: boolean }>("SELECT published_at IS NOT NULL AS published FROM upload.outbox WHERE key = $1", [videoId]);
      expect(pending.rows).toEqual([{ published: false }]);
    } finally {
      await kafka("start");
    }

    const end = Date.now() + 120_000;
    while (!h.uploaded.get(videoId) && Date.now() < end) await sleep(200);
    await sleep(2000); // a duplicate would arrive right behind the first
    expect(h.uploaded.get(videoId)?.map((record) => record.event.eventId)).toHaveLength(1);
    const rows = await h.upload.pool.query<{ published: boolean }>("SELECT published_at IS NOT NULL AS published FROM upload.outbox WHERE key = $1", [videoId]);
    expect(rows.rows).toEqual([{ published: true }]);
  });
});
