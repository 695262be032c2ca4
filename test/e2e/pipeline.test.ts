// The pipeline end to end against the real stack: upload service (+ catalog)
// → PostgreSQL outbox → Kafka video.uploaded → transcoder → MinIO HLS ladder
// → video.transcoded. Sources are made with ffmpeg and uploaded through the
// client-streaming RPC and through resumable sessions (one interrupted and
// resumed); every rung of each master playlist is then ffprobed.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { topics } from "../../lib/kafka/index.ts";
import { stackEnv } from "../../lib/testing/index.ts";
import { makeClip, runsOf, type EventCollector, type ExpectedLadder } from "../../services/transcoder/testing.ts";
import type { UploadHarness } from "../../services/upload/testing.ts";
import { fileChunks, putChunks, startResumable, uploadStream } from "../../bench/pipeline/upload-client.ts";
import { startPipelineFixture, type PipelineFixture } from "./pipeline-fixture.ts";

const env = stackEnv();
let pipeline: PipelineFixture;
let dir: string;
let harness: UploadHarness;
let events: EventCollector;
beforeAll(async () => {
  pipeline = await startPipelineFixture("pipeline-e2e");
  ({ dir, harness, events } = pipeline);
}, 180_000);
afterAll(() => pipeline?.close());

const signedIn = () => pipeline.signedIn();

async function expectTranscoded(videoId: string, expected: ExpectedLadder): Promise<void> {
  const done = await events.waitFor(topics.videoTranscoded, videoId, 180_000);
  await pipeline.verify(done, expected);
  expect(runsOf(events, topics.videoProgress, videoId)).toBe(1);
  expect(events.events(topics.videoFailed, videoId)).toHaveLength(0);
}

describe("upload → transcode → HLS", () => {
  it("a landscape clip with audio, uploaded with the client-streaming RPC", async () => {
    const { client, channelId } = await signedIn();
    const file = join(dir, "landscape.mp4");
    makeClip(env.ffmpegPath, file, { width: 640, height: 360, seconds: 4, audio: true });
    const { size } = await stat(file);
    const videoId = await uploadStream(client, { channelId, title: "Landscape", contentType: "video/mp4", sizeBytes: size }, fileChunks(file, 1024 * 1024));
    await expectTranscoded(videoId, { rungs: { "360p": [640, 360], "240p": [426, 240] }, duration: 4, audio: true });
  }, 240_000);

  it("a portrait clip without audio, through a resumable session interrupted after its first chunk and resumed", async () => {
    const { user, client, channelId } = await signedIn();
    const file = join(dir, "portrait.mp4");
    // Grain makes the file span several 5 MiB chunks.
    makeClip(env.ffmpegPath, file, { width: 360, height: 640, seconds: 4, audio: false, noise: true });
    const { size } = await stat(file);
    const upload = await startResumable(client, { channelId, title: "Portrait", contentType: "video/mp4", sizeBytes: size });
    expect(size).toBeGreaterThan(upload.chunkSize);
    // The first chunk goes through; the second is cut off mid-stream (its call aborted).
    await putChunks(client, upload, file, upload.chunkSize);
    const second = (await readFile(file)).subarray(upload.chunkSize, upload.chunkSize * 2);
    const cut = new AbortController();
    const broken = client.putChunk({ uploadId: upload.uploadId, offset: BigInt(upload.chunkSize), data: second }, { signal: cut.signal });
    cut.abort();
    await expect(broken).rejects.toThrow();

    // A new connection asks where to resume and sends the rest from the acknowledged offset.
    const resumed = await harness.client(user);
    const { session } = await resumed.getUploadStatus({ uploadId: upload.uploadId });
    const acknowledged = Number(session?.committedOffset);
    expect([upload.chunkSize, upload.chunkSize * 2]).toContain(acknowledged);
    expect(await putChunks(resumed, upload, file)).toBe(size);
    const finished = await resumed.finishUpload({ uploadId: upload.uploadId });
    expect(finished.videoId).toBe(upload.videoId);
    await expectTranscoded(upload.videoId, { rungs: { "360p": [360, 640], "240p": [240, 426] }, duration: 4, audio: false });
  }, 240_000);

  it("a 3 s clip through a resumable session", async () => {
    const { client, channelId } = await signedIn();
    const file = join(dir, "short.mp4");
    makeClip(env.ffmpegPath, file, { width: 320, height: 240, seconds: 3, audio: true });
    const body = await readFile(file);
    const upload = await startResumable(client, { channelId, title: "Short", contentType: "video/mp4", sizeBytes: body.length });
    await putChunks(client, upload, file);
    await client.finishUpload({ uploadId: upload.uploadId });
    await expectTranscoded(upload.videoId, { rungs: { "240p": [320, 240] }, duration: 3, audio: true });
  }, 240_000);

  it("a file that is not a video ends with video.failed and a readable reason", async () => {
    const { client, channelId } = await signedIn();
    const data = Buffer.from("just text, not a video\n".repeat(100));
    async function* chunks() {
      yield data;
    }
    const videoId = await uploadStream(client, { channelId, title: "Text", contentType: "video/mp4", sizeBytes: data.length }, chunks());
    const failed = await events.waitFor(topics.videoFailed, videoId, 120_000);
    expect(failed.reason).toMatch(/not a video/);
    expect(events.events(topics.videoTranscoded, videoId)).toHaveLength(0);
  }, 180_000);
});
