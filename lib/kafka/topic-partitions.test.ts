// Topics get the configured partitions whoever creates them first (a
// consumer subscribing, or a producer's first record), not the broker's
// default (3 here): the transcoder's parallelism depends on it.
import { randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, expect, it } from "vitest";
import { createEventConsumer, createEventProducer, eventHandler, topics } from "./index.ts";
import { createLogger } from "../logger.ts";
import { stackEnv } from "../testing/index.ts";

const brokers = stackEnv().kafkaBrokers;
const admin = new Kafka({ clientId: "topic-partitions-test", brokers, logLevel: logLevel.NOTHING }).admin();
afterAll(() => admin.disconnect());

const partitionsOf = async (topic: string) => {
  await admin.connect();
  const { topics: found } = await admin.fetchTopicMetadata({ topics: [topic] });
  return found[0]?.partitions.length;
};

it("a producer creates a new topic with the configured partitions", async () => {
  const producer = createEventProducer({ brokers, clientId: "topic-partitions-test", partitions: 5 });
  const topic = { ...topics.videoDeleted, name: `test-${randomUUID().slice(0, 8)}.video.deleted` };
  try {
    await producer.publish(topic, "k", { videoId: "v", ownerId: "o", eventId: randomUUID() });
  } finally {
    await producer.disconnect();
  }
  expect(await partitionsOf(topic.name)).toBe(5);
});

it("a consumer creates the topics it subscribes to with the configured partitions", { timeout: 60_000 }, async () => {
  const producer = createEventProducer({ brokers, clientId: "topic-partitions-test" });
  const topic = { ...topics.videoDeleted, name: `test-${randomUUID().slice(0, 8)}.video.deleted` };
  const consumer = createEventConsumer({
    brokers,
    groupId: `topic-partitions-${randomUUID()}`,
    clientId: "topic-partitions-test",
    logger: createLogger("topic-partitions-test", "silent"),
    producer,
    partitions: 7,
    handlers: [eventHandler({ topic, handle: async () => undefined })],
  });
  try {
    await consumer.start();
  } finally {
    await consumer.stop();
    await producer.disconnect();
  }
  expect(await partitionsOf(topic.name)).toBe(7);
});
