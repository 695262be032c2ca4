// Sources longer than the configured maximum end FAILED at once with a reason
// a person can read (and are dead-lettered as bad input); shorter ones are
// transcoded under a limit scaled by their length.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { MinioClient } from "../../lib/storage/minio.ts";
import { stackEnv, watchDeadLetters, type DeadLetterWatch } from "../../lib/testing/index.ts";
import { collectEvents, makeClip, startTestTranscoder, type EventCollector, type TestTranscoder } from "./testing.ts";

const env = stackEnv();
let dir: string;
let minio: MinioClient;
let transcoder: TestTranscoder;
let events: EventCollector;
let deadLetters: DeadLetterWatch;
const jobs: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "transcoder-long-"));
  transcoder = await startTestTranscoder("transcoder-long-test", {
    workRoot: join(dir, "work"),
    limits: { baseMs: 60_000, perSourceSecondMs: 10_000, maxSourceSeconds: 3 },
    onJob: (videoId, phase) => {
      if (phase === "start") jobs.push(videoId);
    },
  });
  minio = transcoder.minio;
  events = await collectEvents(env.kafkaBrokers, [transcoder.topics.videoTranscoded, transcoder.topics.videoFailed]);
  deadLetters = await watchDeadLetters(env.kafkaBrokers);
}, 120_000);

afterAll(async () => {
  await transcoder?.stop();
  await events?.stop();
  await deadLetters?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function submit(videoId: string, seconds: number): Promise<void> {
  const file = join(dir, `${videoId}.mp4`);
  makeClip(env.ffmpegPath, file, { width: 320, height: 240, seconds, audio: false });
  const body = await readFile(file);
  await minio.putObject(env.minioSourceBucket, `sources/${videoId}`, body, body.length);
  await transcoder.producer.publish(transcoder.topics.videoUploaded, videoId, {
    videoId,
    sourceBucket: env.minioSourceBucket,
    sourceKey: `sources/${videoId}`,
    sizeBytes: BigInt(body.length),
    uploadTime: timestampNow(),
    eventId: randomUUID(),
  });
}

it("fails a source over the maximum length with a readable reason, once, and transcodes a shorter one", { timeout: 180_000 }, async () => {
  const long = `long-${randomUUID()}`;
  const short = `short-${randomUUID()}`;
  await submit(long, 5);
  await submit(short, 2);
  const failed = await events.waitFor(transcoder.topics.videoFailed, long, 120_000);
  expect(failed.reason).toBe("the video is too long: 5 s, the longest accepted is 3 s");
  expect(jobs.filter((id) => id === long)).toHaveLength(1);
  expect((await deadLetters.waitFor(long, 30_000)).letter.error).toMatch(/too long/);
  await events.waitFor(transcoder.topics.videoTranscoded, short, 120_000);
  for (const id of [long, short]) await minio.removeObject(env.minioSourceBucket, `sources/${id}`).catch(() => undefined);
});
