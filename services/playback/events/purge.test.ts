import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createEventProducer, topics } from "../../../lib/kafka/index.ts";
import { stackEnv } from "../../../lib/testing/index.ts";
import { Visibility } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { publishFixture, startTestEdge, startVideoDirectory, type TestEdge } from "../testing.ts";

// Purge on the catalog's events, through real Kafka: memory and Redis both. The
// edge's own purge consumer, started by runtime.ts as main.ts starts it.
let directory: Awaited<ReturnType<typeof startVideoDirectory>>;
let edge: TestEdge;
const producer = createEventProducer({ brokers: stackEnv().kafkaBrokers, clientId: "playback-purge-test" });
const deletedVideo = randomUUID();
const hiddenVideo = randomUUID();
const file = "240p/seg_00000.ts";
const key = (videoId: string) => `videos/${videoId}/${file}`;

beforeAll(async () => {
  directory = await startVideoDirectory();
  directory.videos.set(deletedVideo, { visibility: Visibility.PUBLIC });
  directory.videos.set(hiddenVideo, { visibility: Visibility.PUBLIC });
  await Promise.all([publishFixture(deletedVideo), publishFixture(hiddenVideo)]);
  edge = await startTestEdge({ catalogAddress: directory.address, cache: { prefetchCount: 0 }, purge: true });
  expect(await edge.purgeStarted).toBe(true);
  await producer.connect();
}, 60_000);

afterAll(async () => {
  await producer.disconnect();
  await edge?.close();
  await directory?.close();
});

const status = async (videoId: string) => (await fetch(`${edge.baseUrl}/v/${videoId}/${file}`)).status;

/** Publishes until the consumer has joined and acted (a fresh group starts at the latest offset). */
async function publishUntil(publish: () => Promise<void>, done: () => Promise<boolean>) {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    await publish();
    for (let index = 0; index < 20; index++) {
      if (await done()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error("the purge did not happen");
}

it("purges a deleted video from memory and Redis and stops serving it", { timeout: 60_000 }, async () => {
  expect(await status(deletedVideo)).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(edge.server.cache.peek(key(deletedVideo))).toBeDefined();
  expect(await edge.redis.get(key(deletedVideo))).toBeDefined();

  await publishUntil(
    () => producer.publish(topics.videoDeleted, deletedVideo, { videoId: deletedVideo, eventId: randomUUID() }),
    // Memory is purged at once, Redis one round trip later.
    async () => edge.server.cache.peek(key(deletedVideo)) === undefined && (await edge.redis.get(key(deletedVideo))) === undefined,
  );
  expect(await edge.redis.get(key(deletedVideo))).toBeUndefined();
  // Deleted: nothing is served, even though the objects are still in MinIO.
  expect(await status(deletedVideo)).toBe(403);
  const token = edge.tokens.issue(deletedVideo).token;
  expect((await fetch(`${edge.baseUrl}/v/${deletedVideo}/t/${token}/${file}`)).status).toBe(404);
});

it("purges a video whose visibility changed and requires a token from then on", { timeout: 60_000 }, async () => {
  expect(await status(hiddenVideo)).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await edge.redis.get(key(hiddenVideo))).toBeDefined();
  directory.videos.set(hiddenVideo, { visibility: Visibility.PRIVATE });

  await publishUntil(
    () => producer.publish(topics.videoVisibility, hiddenVideo, { videoId: hiddenVideo, visibility: Visibility.PRIVATE, eventId: randomUUID() }),
    // Memory is purged at once, Redis one round trip later.
    async () => edge.server.cache.peek(key(hiddenVideo)) === undefined && (await edge.redis.get(key(hiddenVideo))) === undefined,
  );
  expect(await edge.redis.get(key(hiddenVideo))).toBeUndefined();
  expect(await status(hiddenVideo)).toBe(403);
  const token = edge.tokens.issue(hiddenVideo).token;
  const withToken = await fetch(`${edge.baseUrl}/v/${hiddenVideo}/t/${token}/${file}`);
  expect(withToken.status).toBe(200);
  expect(withToken.headers.get("cache-control")).toMatch(/^private, /);
});
