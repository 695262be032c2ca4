// Sources longer than the configured maximum end FAILED at once with a reason
// a person can read (and are dead-lettered as bad input); shorter ones are
// transcoded under a limit scaled by their length.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createEventProducer, type EventProducer } from "../../lib/kafka/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { createMinioClient, type MinioClient } from "../../lib/storage/minio.ts";
import { stackEnv, watchDeadLetters, type DeadLetterWatch } from "../../lib/testing/index.ts";
import { createTranscoder, type Transcoder } from "./server.ts";
import { collectEvents, makeClip, testTopicPrefix, type EventCollector } from "./testing.ts";

const env = stackEnv();
let dir: string;
let minio: MinioClient;
let producer: EventProducer;
let transcoder: Transcoder;
let events: EventCollector;
let deadLetters: DeadLetterWatch;
const jobs: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "transcoder-long-"));
  minio = createMinioClient({ endpoint: env.minioEndpoint, accessKey: env.minioAccessKey, secretKey: env.minioSecretKey });
  const prefix = testTopicPrefix();
  producer = createEventProducer({ brokers: env.kafkaBrokers, clientId: "transcoder-long-test" });
  transcoder = createTranscoder({
    brokers: env.kafkaBrokers,
    groupId: `${prefix}transcoder`,
    clientId: "transcoder-long-test",
    producer,
    minio,
    mediaBucket: env.minioMediaBucket,
    ffmpeg: { ffmpeg: env.ffmpegPath, ffprobe: env.ffprobePath },
    settings: { segmentSeconds: 2, preset: "ultrafast", crf: 23 },
    workRoot: join(dir, "work"),
    logger: createLogger("transcoder-long-test", "silent"),
    topicPrefix: prefix,
    limits: { baseMs: 60_000, perSourceSecondMs: 10_000, maxSourceSeconds: 3 },
    onJob: (videoId, phase) => {
      if (phase === "start") jobs.push(videoId);
    },
  });
  events = await collectEvents(env.kafkaBrokers, [transcoder.topics.videoTranscoded, transcoder.topics.videoFailed]);
  deadLetters = await watchDeadLetters(env.kafkaBrokers);
  await transcoder.start();
}, 120_000);

afterAll(async () => {
  await transcoder?.stop();
  await events?.stop();
  await deadLetters?.stop();
  await producer?.disconnect();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function submit(videoId: string, seconds: number): Promise<void> {
  const file = join(dir, `${videoId}.mp4`);
  makeClip(env.ffmpegPath, file, { width: 320, height: 240, seconds, audio: false });
  const body = await readFile(file);
  await minio.putObject(env.minioSourceBucket, `sources/${videoId}`, body, body.length);
  await producer.publish(transcoder.topics.videoUploaded, videoId, {
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
