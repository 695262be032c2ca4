// A crashed Kafka consumer is visible on the gRPC health service: the
// transcoder's "kafka-consumer" and readiness go NOT_SERVING, and liveness
// too once kafkajs has given up restarting it (so Kubernetes restarts the
// pod). The crash is real: a 1.5 MB record on a topic that allows it cannot
// be copied to video.dead-letter (1 MB limit), which kafkajs does not retry.
import { randomBytes, randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { HEALTH_KAFKA_CONSUMER, HEALTH_LIVENESS, HEALTH_READINESS } from "../../lib/grpc/index.ts";
import { stackEnv } from "../../lib/testing/index.ts";
import { checkHealth, startTestTranscoder, testTopicPrefix, type TestTranscoder } from "./testing.ts";

const env = stackEnv();
let transcoder: TestTranscoder;
let address: string;

const healthCheck = (service: string) => checkHealth(address, service);

beforeAll(async () => {
  const prefix = testTopicPrefix();
  const kafka = new Kafka({ clientId: "consumer-health-test", brokers: env.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: `${prefix}video.uploaded`, configEntries: [{ name: "max.message.bytes", value: String(4 * 1024 * 1024) }] }], waitForLeaders: true });
  await admin.disconnect();
  transcoder = await startTestTranscoder("consumer-health-test", { topicPrefix: prefix, healthIntervalMs: 200 });
  address = `127.0.0.1:${transcoder.healthPort}`;
}, 120_000);

afterAll(async () => {
  await transcoder?.stop().catch(() => undefined);
});

it("reports NOT_SERVING when its Kafka consumer crashed", { timeout: 120_000 }, async () => {
  await expect.poll(() => healthCheck(HEALTH_KAFKA_CONSUMER), { timeout: 10_000 }).toBe("SERVING");
  expect(await healthCheck(HEALTH_READINESS)).toBe("SERVING");
  expect(await healthCheck(HEALTH_LIVENESS)).toBe("SERVING");

  // Not protobuf: dead-lettered at once, but the dead-letter record would be too large.
  await transcoder.producer.publishEncoded(transcoder.topics.videoUploaded.name, randomUUID(), randomBytes(1536 * 1024));
  await expect.poll(() => healthCheck(HEALTH_KAFKA_CONSUMER), { timeout: 60_000, interval: 200 }).toBe("NOT_SERVING");
  expect(await healthCheck(HEALTH_READINESS)).toBe("NOT_SERVING");
  await expect.poll(() => healthCheck(HEALTH_LIVENESS), { timeout: 10_000, interval: 200 }).toBe("NOT_SERVING");
  expect(transcoder.consumer.failed()).toBe(true);
});
