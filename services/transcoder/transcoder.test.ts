// The transcoder against real Kafka, MinIO and ffmpeg: sources are put
// straight into MinIO and announced with video.uploaded on topics private to
// this file; the worker runs in-process (startTestTranscoder → runtime.ts).
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { topics as platformTopics } from "../../lib/kafka/index.ts";
import type { MinioClient } from "../../lib/storage/minio.ts";
import { stackEnv } from "../../lib/testing/index.ts";
import { TRANSIENT_FAILURE_REASON } from "./events/video-uploaded.ts";
import { collectEvents, downloadVideo, makeClip, startTestTranscoder, verifyLadder, type ClipOptions, type EventCollector, type ExpectedLadder, type TestTranscoder } from "./testing.ts";

const env = stackEnv();
let dir: string;
let minio: MinioClient;
let transcoder: TestTranscoder;
let events: EventCollector;
const jobs: string[] = [];

function submit(videoId: string, body: Buffer, sourceBucket?: string): Promise<void> {
  return transcoder.submit(videoId, body, sourceBucket ? { sourceBucket } : {});
}

async function clip(name: string, options: ClipOptions): Promise<Buffer> {
  const file = join(dir, `${name}.mp4`);
  makeClip(env.ffmpegPath, file, options);
  return readFile(file);
}

const ids = {
  landscape: `land-${randomUUID()}`,
  portrait: `port-${randomUUID()}`,
  short: `short-${randomUUID()}`,
  text: `text-${randomUUID()}`,
  empty: `empty-${randomUUID()}`,
  truncated: `trunc-${randomUUID()}`,
  audioOnly: `audio-${randomUUID()}`,
  playlist: `playlist-${randomUUID()}`,
  missingBucket: `nobucket-${randomUUID()}`,
  afterBad: `after-${randomUUID()}`,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "transcoder-test-"));
  transcoder = await startTestTranscoder("transcoder-test", {
    settings: { segmentSeconds: 2, preset: "veryfast", crf: 23 },
    workRoot: join(dir, "work"),
    attempts: 2,
    backoffMs: 100,
    onJob: (videoId, phase) => {
      if (phase === "start") jobs.push(videoId);
    },
  });
  minio = transcoder.minio;
  const t = transcoder.topics;
  events = await collectEvents(env.kafkaBrokers, [t.videoUploaded, t.videoProgress, t.videoTranscoded, t.videoFailed, platformTopics.deadLetter]);

  // Everything is queued up front (the worker takes one job at a time); each test waits for its own outcome.
  const good = await clip("landscape", { width: 640, height: 360, seconds: 4, audio: true });
  const truncated = good.subarray(0, Math.floor(good.length / 2)); // moov atom is at the end: cut it off
  await submit(ids.landscape, good);
  await submit(ids.portrait, await clip("portrait", { width: 360, height: 640, seconds: 4, audio: false }));
  // 3 s, odd size, stored rotated by 90°: displayed as 271×481 (portrait).
  await submit(ids.short, await clip("short", { width: 481, height: 271, seconds: 3, audio: true, rotate: 90 }));
  await submit(ids.text, Buffer.from("this is not a video, just some text\n".repeat(50)));
  await submit(ids.empty, Buffer.alloc(0));
  await submit(ids.truncated, truncated);
  await writeFile(join(dir, "tone.m4a"), "");
  const { spawnSync } = await import("node:child_process");
  const tone = join(dir, "tone.m4a");
  spawnSync(env.ffmpegPath, ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440", "-t", "2", "-c:a", "aac", tone]);
  await submit(ids.audioOnly, await readFile(tone));
  // An "upload" that is an HLS playlist naming a real video on the worker's disk: ffmpeg must not follow it.
  await clip("on-worker-disk", { width: 320, height: 240, seconds: 2, audio: false });
  await submit(ids.playlist, Buffer.from(`#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nfile://${join(dir, "on-worker-disk.mp4")}\n#EXT-X-ENDLIST\n`));
  // A failure that is not the file's fault (here MinIO refuses the request) is retried, not reported at once.
  await submit(ids.missingBucket, Buffer.alloc(10), "Not_A_Valid_Bucket");
  await submit(ids.afterBad, await clip("after", { width: 320, height: 240, seconds: 2, audio: false }));
}, 120_000);

afterAll(async () => {
  await transcoder?.stop();
  await events?.stop();
  for (const id of Object.values(ids)) await minio?.removeObject(env.minioSourceBucket, `sources/${id}`).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function expectLadder(videoId: string, expected: ExpectedLadder): Promise<void> {
  const done = await events.waitFor(transcoder.topics.videoTranscoded, videoId, 150_000);
  await verifyLadder({ minio, bucket: env.minioMediaBucket, ffmpeg: env.ffmpegPath, ffprobe: env.ffprobePath, dir: join(dir, "media") }, done, expected);
  const progress = events.events(transcoder.topics.videoProgress, videoId);
  expect(progress.some((event) => event.playableRenditions.length > 0 && event.percent < 100)).toBe(true);
  expect(progress.at(-1)?.percent).toBe(100);
}

describe("transcoder", () => {
  it("makes a ladder with audio from a landscape source, never upscaling", async () => {
    await expectLadder(ids.landscape, { rungs: { "360p": [640, 360], "240p": [426, 240] }, duration: 4, audio: true });
  }, 180_000);

  it("keeps a portrait source portrait and gives renditions without audio when the source has none", async () => {
    await expectLadder(ids.portrait, { rungs: { "360p": [360, 640], "240p": [240, 426] }, duration: 4, audio: false });
  }, 180_000);

  it("honours rotation metadata and keeps dimensions even for an odd-sized 3 s clip", async () => {
    await expectLadder(ids.short, { rungs: { "240p": [240, 426] }, duration: 3, audio: true });
  }, 180_000);

  it.each([
    ["a plain text file", "text", /not a video/],
    ["a zero-byte file", "empty", /empty/],
    ["a truncated mp4", "truncated", /not a video|truncated|damaged/],
    ["an audio-only file", "audioOnly", /no video stream/],
    ["an HLS playlist naming a file on the worker", "playlist", /not a video/],
  ] as const)("fails %s with a readable reason, without retrying", async (_label, which, reason) => {
    const videoId = ids[which];
    const failed = await events.waitFor(transcoder.topics.videoFailed, videoId, 150_000);
    expect(failed.reason).toMatch(reason);
    expect(failed.reason).not.toMatch(/ffmpeg|ffprobe|Error|at \//);
    expect(jobs.filter((id) => id === videoId)).toHaveLength(1); // permanent: one attempt
    expect(events.events(transcoder.topics.videoTranscoded, videoId)).toHaveLength(0);
    await events.waitFor(platformTopics.deadLetter, videoId, 10_000);
    const left = await downloadVideo(minio, env.minioMediaBucket, videoId, join(dir, "failed", videoId));
    expect(left).toEqual([]);
  }, 180_000);

  it("retries a transient failure with backoff, then reports it and dead-letters the event", async () => {
    const failed = await events.waitFor(transcoder.topics.videoFailed, ids.missingBucket, 150_000);
    expect(failed.reason).toBe(TRANSIENT_FAILURE_REASON);
    expect(jobs.filter((id) => id === ids.missingBucket)).toHaveLength(2);
    const dead = await events.waitFor(platformTopics.deadLetter, ids.missingBucket, 10_000);
    expect(dead.topic).toBe(transcoder.topics.videoUploaded.name);
    expect(dead.attempts).toBe(2);
  }, 180_000);

  it("keeps serving: a good job queued after the bad ones is transcoded", async () => {
    await expectLadder(ids.afterBad, { rungs: { "240p": [320, 240] }, duration: 2, audio: false });
  }, 180_000);
});
