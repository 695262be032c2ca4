import { randomUUID } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VideoFailedSchema } from "../../gen/xtream/events/v1/video_events_pb.js";
import { codeOf } from "../../lib/testing/index.ts";
import { startUploadHarness, type UploadHarness } from "./testing.ts";

// A StartUpload whose multipart upload cannot be opened (here: its bucket is
// gone) must not leave the video the catalog created UPLOADING forever: the
// upload service queues video.failed for it at once, with a readable reason.
const bucket = `xtream-test-${randomUUID().slice(0, 8)}`;
let h: UploadHarness;

beforeAll(async () => {
  h = await startUploadHarness({}, { sourceBucket: bucket });
});
afterAll(async () => {
  await h.close();
  await h.upload.minio.removeBucket(bucket).catch(() => undefined);
});

describe("a StartUpload whose multipart open fails", () => {
  it("fails the call and queues video.failed for the video the catalog created", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    await h.upload.minio.removeBucket(bucket);
    const client = await h.client(user);
    const code = await codeOf(client.startUpload({ metadata: { channelId, title: "never opened", contentType: "video/mp4", sizeBytes: 1024n, filename: "a.mp4" } }));
    expect(code).not.toBeUndefined();
    expect(code).not.toBe(Code.InvalidArgument);
    const { rows: videos } = await h.catalogPool.query<{ id: string; status: number }>("SELECT id, status FROM catalog.videos WHERE channel_id = $1", [channelId]);
    expect(videos).toHaveLength(1);
    const { rows } = await h.upload.pool.query<{ payload: Buffer }>("SELECT payload FROM upload.outbox WHERE key = $1 AND topic = 'video.failed'", [videos[0]!.id]);
    expect(rows.map((row) => fromBinary(VideoFailedSchema, row.payload).reason)).toEqual(["the upload could not be started; please upload the video again"]);
    // No session was stored for it.
    const { rows: sessions } = await h.upload.pool.query("SELECT id FROM upload.upload_sessions WHERE video_id = $1", [videos[0]!.id]);
    expect(sessions).toEqual([]);
  });
});
