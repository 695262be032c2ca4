// startTranscoder (runtime.ts) with Kafka down at start-up: it starts anyway, serves health
// (live, not ready), and joins its consumer group once Kafka is back, without a restart
// (lib/process keepRetrying), then transcodes.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { HEALTH_LIVENESS, HEALTH_READINESS } from "../../lib/grpc/index.ts";
import { stackComponent, stackEnv } from "../../lib/testing/index.ts";
import { checkHealth, collectEvents, makeClip, startTestTranscoder, type EventCollector, type TestTranscoder } from "./testing.ts";

const env = stackEnv();
let transcoder: TestTranscoder | undefined;
let events: EventCollector | undefined;
let dir: string | undefined;

afterAll(async () => {
  await transcoder?.stop();
  await events?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

it("starts while Kafka is down, is live but not ready, and takes jobs once Kafka is back", { timeout: 300_000 }, async () => {
  dir = await mkdtemp(join(tmpdir(), "transcoder-runtime-"));
  let address: string;
  await stackComponent("kafka", "stop");
  try {
    transcoder = await startTestTranscoder("transcoder-runtime-test", { workRoot: join(dir, "work"), healthIntervalMs: 200 }, { awaitConsuming: false });
    address = `127.0.0.1:${transcoder.healthPort}`;
    expect(await checkHealth(address, HEALTH_LIVENESS)).toBe("SERVING");
    expect(await checkHealth(address, HEALTH_READINESS)).toBe("NOT_SERVING");
  } finally {
    await stackComponent("kafka", "start");
  }
  // The first retries wait 1 s, 2 s, 4 s…: picked up within about half a minute of Kafka answering.
  await expect(Promise.race([transcoder.consuming, new Promise((resolve) => setTimeout(() => resolve("timeout"), 90_000))])).resolves.toBe(true);
  await expect.poll(() => checkHealth(address, HEALTH_READINESS), { timeout: 10_000, interval: 200 }).toBe("SERVING");

  events = await collectEvents(env.kafkaBrokers, [transcoder.topics.videoTranscoded]);
  const videoId = `runtime-${randomUUID()}`;
  makeClip(env.ffmpegPath, join(dir, "clip.mp4"), { width: 320, height: 240, seconds: 2, audio: false });
  await transcoder.submit(videoId, await readFile(join(dir, "clip.mp4")));
  const done = await events.waitFor(transcoder.topics.videoTranscoded, videoId, 120_000);
  expect(done.renditions.map((rendition) => rendition.name)).toEqual(["240p"]);
});
