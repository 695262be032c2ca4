// MinIO stopped under the transcoder: the job is held (offset kept) and done
// once MinIO is back, instead of ending FAILED. Stops the stack's MinIO: the
// outage is bounded and MinIO is always started again.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { MinioClient } from "../../lib/storage/minio.ts";
import { stackComponent, stackEnv, watchDeadLetters, type DeadLetterWatch } from "../../lib/testing/index.ts";
import { collectEvents, makeClip, startTestTranscoder, type EventCollector, type TestTranscoder } from "./testing.ts";

const env = stackEnv();
let dir: string;
let minio: MinioClient;
let transcoder: TestTranscoder;
let events: EventCollector;
let deadLetters: DeadLetterWatch;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "transcoder-minio-outage-"));
  transcoder = await startTestTranscoder("transcoder-minio-outage-test", {
    workRoot: join(dir, "work"),
    // The old policy: two quick attempts, then FAILED and dead-lettered.
    attempts: 2,
    backoffMs: 100,
    maxBackoffMs: 1000,
  });
  minio = transcoder.minio;
  const t = transcoder.topics;
  events = await collectEvents(env.kafkaBrokers, [t.videoTranscoded, t.videoFailed]);
  deadLetters = await watchDeadLetters(env.kafkaBrokers);
}, 120_000);

afterAll(async () => {
  await transcoder?.stop();
  await events?.stop();
  await deadLetters?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

it("a job queued while MinIO is down ends transcoded, not FAILED", { timeout: 300_000 }, async () => {
  const videoId = `outage-${randomUUID()}`;
  const file = join(dir, "clip.mp4");
  makeClip(env.ffmpegPath, file, { width: 320, height: 240, seconds: 2, audio: false });
  const body = await readFile(file);
  await minio.putObject(env.minioSourceBucket, `sources/${videoId}`, body, body.length);
  try {
    await stackComponent("minio", "stop");
    await transcoder.producer.publish(transcoder.topics.videoUploaded, videoId, {
      videoId,
      ownerId: "owner",
      channelId: "channel",
      sourceBucket: env.minioSourceBucket,
      sourceKey: `sources/${videoId}`,
      sizeBytes: BigInt(body.length),
      contentType: "video/mp4",
      uploadTime: timestampNow(),
      eventId: randomUUID(),
    });
    await sleep(12_000);
    expect(events.events(transcoder.topics.videoFailed, videoId)).toEqual([]);
    expect(deadLetters.of(videoId)).toEqual([]);
  } finally {
    await stackComponent("minio", "start");
  }
  const done = await events.waitFor(transcoder.topics.videoTranscoded, videoId, 180_000);
  expect(done.renditions.map((rendition) => rendition.name)).toEqual(["240p"]);
  expect(events.events(transcoder.topics.videoFailed, videoId)).toEqual([]);
  expect(deadLetters.of(videoId)).toEqual([]);
  await minio.removeObject(env.minioSourceBucket, `sources/${videoId}`).catch(() => undefined);
});
