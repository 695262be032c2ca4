// Hostile input for every Kafka consumer (catalog's pipeline events, the
// transcoder's video.uploaded, playback's purge events): an undecodable
// payload, a record whose header names another event type, and a decodable
// event with an invalid video id each go to video.dead-letter with a reason
// saying which, and the consumer keeps serving (a valid event after them is
// handled, its health stays SERVING).
import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VideoDeletedSchema } from "../../gen/xtream/events/v1/video_events_pb.js";
import { createEventProducer, EVENT_TYPE_HEADER, topics, type EventConsumer, type EventProducer, type Topic } from "../../lib/kafka/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { stackEnv, watchDeadLetters, type DeadLetterWatch } from "../../lib/testing/index.ts";
import { startCatalogHarness, type CatalogHarness } from "../../services/catalog/testing.ts";
import { createPurgeConsumer } from "../../services/playback/events/purge-consumer.ts";
import { collectEvents, startTestTranscoder, testTopicPrefix, type EventCollector, type TestTranscoder } from "../../services/transcoder/testing.ts";

const env = stackEnv();
const logger = createLogger("kafka-hostile-test", "silent");
let producer: EventProducer;
let deadLetters: DeadLetterWatch;

beforeAll(async () => {
  producer = createEventProducer({ brokers: env.kafkaBrokers, clientId: "kafka-hostile-test" });
  await producer.connect();
  deadLetters = await watchDeadLetters(env.kafkaBrokers);
}, 60_000);
afterAll(async () => {
  await deadLetters?.stop();
  await producer?.disconnect();
});

/** Sends the three kinds of hostile record to a topic; returns their keys. */
async function sendHostile(topic: Topic): Promise<{ undecodable: string; otherType: string; invalidId: string }> {
  const keys = { undecodable: randomUUID(), otherType: randomUUID(), invalidId: randomUUID() };
  // Field 1 with wire type 7, which protobuf does not have.
  await producer.publishEncoded(topic.name, keys.undecodable, new Uint8Array([0x0f, 0xff, 0xff, 0xff]));
  const deleted = toBinary(VideoDeletedSchema, create(VideoDeletedSchema, { videoId: keys.otherType, ownerId: "o", eventId: randomUUID() }));
  await producer.publishEncoded(topic.name, keys.otherType, deleted, { [EVENT_TYPE_HEADER]: "xtream.events.v1.SomethingElse" });
  // A well-formed event of the right type whose id is a path, not a video id.
  await producer.publishEncoded(topic.name, keys.invalidId, toBinary(topic.schema, create(topic.schema, { videoId: "../../etc/passwd" })));
  return keys;
}

async function expectDeadLettered(topic: Topic, keys: { undecodable: string; otherType: string; invalidId: string }): Promise<void> {
  const undecodable = await deadLetters.waitFor(keys.undecodable, 60_000);
  expect(undecodable.letter.topic).toBe(topic.name);
  expect(undecodable.letter.error).toMatch(/undecodable payload/);
  expect(undecodable.headers["x-dead-letter-reason"]).toMatch(/undecodable payload/);
  expect((await deadLetters.waitFor(keys.otherType, 60_000)).letter.error).toMatch(/unknown event type "xtream.events.v1.SomethingElse"/);
  expect((await deadLetters.waitFor(keys.invalidId, 60_000)).letter.error).toMatch(/bad input: .*valid video id/);
}

describe("catalog's event consumer", () => {
  let harness: CatalogHarness;
  let consumer: EventConsumer;
  const applied: string[] = [];
  beforeAll(async () => {
    harness = await startCatalogHarness({ events: { onApplied: (_topic, videoId) => applied.push(videoId) } });
    consumer = harness.consumer!;
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
  });

  it("dead-letters hostile records with the reason and keeps serving", { timeout: 120_000 }, async () => {
    const keys = await sendHostile(topics.videoFailed);
    const after = randomUUID();
    await producer.publish(topics.videoFailed, after, { videoId: after, reason: "x", eventId: randomUUID(), eventTime: timestampNow() });
    await expectDeadLettered(topics.videoFailed, keys);
    await expect.poll(() => applied.includes(after), { timeout: 60_000 }).toBe(true);
    expect(consumer.healthy()).toBe(true);
  });
});

describe("the transcoder", () => {
  let transcoder: TestTranscoder;
  let events: EventCollector;
  beforeAll(async () => {
    const prefix = testTopicPrefix();
    transcoder = await startTestTranscoder("kafka-hostile-test", { topicPrefix: prefix, logger });
    events = await collectEvents(env.kafkaBrokers, [transcoder.topics.videoFailed]);
  }, 120_000);
  afterAll(async () => {
    await transcoder?.stop();
    await events?.stop();
  });

  it("dead-letters hostile records with the reason and keeps serving", { timeout: 120_000 }, async () => {
    const topic = transcoder.topics.videoUploaded;
    const keys = await sendHostile(topic);
    // A valid event whose source does not exist: handled, and answered with video.failed.
    const after = `after-${randomUUID()}`;
    await producer.publish(topic, after, { videoId: after, sourceBucket: env.minioSourceBucket, sourceKey: `sources/${after}`, eventId: randomUUID() });
    await expectDeadLettered(topic, keys);
    expect((await events.waitFor(transcoder.topics.videoFailed, after, 60_000)).reason).toMatch(/missing/);
    expect(transcoder.consumer.healthy()).toBe(true);
  });
});

describe("playback's purge consumer", () => {
  let purge: ReturnType<typeof createPurgeConsumer>;
  const purged: string[] = [];
  beforeAll(async () => {
    purge = createPurgeConsumer({
      brokers: env.kafkaBrokers,
      instanceId: `hostile-${randomUUID()}`,
      cache: { purgeVideo: async (videoId: string) => void purged.push(videoId) },
      access: { deleted: () => undefined, visibilityChanged: () => undefined },
      logger,
    });
    await purge.start();
  }, 120_000);
  afterAll(async () => {
    await purge?.stop();
    await purge?.stopProducer();
  });

  it("dead-letters hostile records with the reason and keeps serving", { timeout: 120_000 }, async () => {
    const keys = await sendHostile(topics.videoDeleted);
    const after = randomUUID();
    await producer.publish(topics.videoDeleted, after, { videoId: after, ownerId: "o", eventId: randomUUID() });
    await expectDeadLettered(topics.videoDeleted, keys);
    await expect.poll(() => purged.includes(after), { timeout: 60_000 }).toBe(true);
    expect(purge.healthy()).toBe(true);
  });
});
