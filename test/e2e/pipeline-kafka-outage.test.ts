// Kafka stopped while an upload finishes, then restarted: the upload still
// succeeds, video.uploaded arrives once Kafka is back (through the upload
// service's outbox), and exactly one transcode runs. The outbox side alone is
// covered by services/upload/kafka-outage.test.ts; this is the whole pipeline
// with a real video. Stopping Kafka disturbs whatever else runs at that
// moment: the outage is kept short and Kafka is always restarted.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { topics } from "../../lib/kafka/index.ts";
import { stackEnv } from "../../lib/testing/index.ts";
import { makeClip, runsOf, type EventCollector } from "../../services/transcoder/testing.ts";
import { putChunks, startResumable } from "../../bench/pipeline/upload-client.ts";
import { startPipelineFixture, type PipelineFixture } from "./pipeline-fixture.ts";

const run = promisify(execFile);
const kafkaScript = fileURLToPath(new URL("../../scripts/stack/kafka.sh", import.meta.url));
const kafka = (command: "stop" | "start") => run("bash", [kafkaScript, command], { timeout: 120_000 });

const env = stackEnv();
let pipeline: PipelineFixture;
let dir: string;
let events: EventCollector;
beforeAll(async () => {
  pipeline = await startPipelineFixture("pipeline-outage");
  ({ dir, events } = pipeline);
}, 180_000);
afterAll(() => pipeline?.close());

it("Kafka down during FinishUpload: the upload succeeds, the event arrives once Kafka is back, exactly one transcode runs", async () => {
  const { client, channelId } = await pipeline.signedIn();
  const file = join(dir, "clip.mp4");
  makeClip(env.ffmpegPath, file, { width: 320, height: 240, seconds: 3, audio: true });
  const size = (await readFile(file)).length;
  const upload = await startResumable(client, { channelId, title: "During an outage", contentType: "video/mp4", sizeBytes: size });
  await putChunks(client, upload, file);

  try {
    await kafka("stop");
    const finished = await client.finishUpload({ uploadId: upload.uploadId });
    expect(finished.videoId).toBe(upload.videoId);
    await sleep(1500);
    expect(runsOf(events, topics.videoProgress, upload.videoId)).toBe(0);
  } finally {
    await kafka("start");
  }

  const done = await events.waitFor(topics.videoTranscoded, upload.videoId, 180_000);
  await pipeline.verify(done, {
    rungs: { "240p": [320, 240] },
    duration: 3,
    audio: true,
  });
  await sleep(3000); // a duplicate would arrive right behind the first
  expect(runsOf(events, topics.videoProgress, upload.videoId)).toBe(1);
  expect(events.events(topics.videoTranscoded, upload.videoId)).toHaveLength(1);
  expect(events.events(topics.videoFailed, upload.videoId)).toHaveLength(0);
}, 360_000);
