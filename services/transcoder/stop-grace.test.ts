// SIGTERM (stop()) lets a running ffmpeg finish within the grace instead of
// killing it: the job in flight is transcoded and committed before the worker
// leaves. With no grace left, the job is abandoned uncommitted (sigkill.test.ts
// shows another worker redoes such a job).
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { MinioClient } from "../../lib/storage/minio.ts";
import { stackEnv } from "../../lib/testing/index.ts";
import { collectEvents, makeClip, startTestTranscoder, type EventCollector, type TestTranscoder } from "./testing.ts";

const env = stackEnv();
let dir: string;
let minio: MinioClient;
let transcoder: TestTranscoder;
let events: EventCollector;
const phases: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "transcoder-grace-"));
  transcoder = await startTestTranscoder("transcoder-grace-test", {
    settings: { segmentSeconds: 2, preset: "veryfast", crf: 23 },
    workRoot: join(dir, "work"),
    stopGraceMs: 120_000,
    onJob: (videoId, phase) => phases.push(`${phase}:${videoId}`),
  });
  minio = transcoder.minio;
  events = await collectEvents(env.kafkaBrokers, [transcoder.topics.videoTranscoded, transcoder.topics.videoProgress]);
}, 120_000);

afterAll(async () => {
  await events?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("a job running when the worker is stopped finishes within the grace", { timeout: 240_000 }, async () => {
  const videoId = `grace-${randomUUID()}`;
  const file = join(dir, "clip.mp4");
  makeClip(env.ffmpegPath, file, { width: 640, height: 360, seconds: 30, audio: true });
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
  // ffmpeg is encoding: the first progress report of the run has arrived.
  await events.waitFor(transcoder.topics.videoProgress, videoId, 120_000);
  expect(events.events(transcoder.topics.videoTranscoded, videoId)).toEqual([]);
  await transcoder.stop();
  expect(phases).toContain(`done:${videoId}`);
  expect(phases).not.toContain(`error:${videoId}`);
  await events.waitFor(transcoder.topics.videoTranscoded, videoId, 30_000);
  await minio.removeObject(env.minioSourceBucket, `sources/${videoId}`).catch(() => undefined);
});
