// ./dev.sh redrive against the real Kafka: a record dead-lettered as bad input
// is listed by --dry-run (and not published), published again to its own
// topic by a real run (the consumer gets the same bytes, marked
// x-redriven-from), and not again by the next run.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createEventConsumer, createEventProducer, eventHandler, PermanentError, topics, type EventConsumer, type EventProducer } from "../../lib/kafka/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { stackEnv, watchDeadLetters, type DeadLetterWatch } from "../../lib/testing/index.ts";

const run = promisify(execFile);
const devSh = fileURLToPath(new URL("../../dev.sh", import.meta.url));
const brokers = stackEnv().kafkaBrokers;
const topic = { ...topics.videoDeleted, name: `test-${randomUUID().slice(0, 8)}.video.deleted` };
const received: { videoId: string; redriven?: string }[] = [];
let refuse = true;
let producer: EventProducer;
let consumer: EventConsumer;
let deadLetters: DeadLetterWatch;

beforeAll(async () => {
  producer = createEventProducer({ brokers, clientId: "redrive-test" });
  deadLetters = await watchDeadLetters(brokers);
  consumer = createEventConsumer({
    brokers,
    groupId: `redrive-test-${randomUUID()}`,
    clientId: "redrive-test",
    logger: createLogger("redrive-test", "silent"),
    producer,
    handlers: [
      eventHandler({
        topic,
        async handle(event, meta) {
          if (refuse) throw new PermanentError("refused for the test");
          received.push({ videoId: event.videoId, redriven: meta.headers["x-redriven-from"]?.toString() });
        },
      }),
    ],
  });
  await consumer.start();
}, 120_000);

afterAll(async () => {
  await consumer?.stop();
  await deadLetters?.stop();
  await producer?.disconnect();
});

const redrive = async (...args: string[]) => (await run("bash", [devSh, "redrive", "--topic", topic.name, ...args], { timeout: 120_000, env: process.env })).stdout;

it("re-drives a dead-lettered record to its topic once; --dry-run only lists it", { timeout: 240_000 }, async () => {
  const videoId = randomUUID();
  await producer.publish(topic, videoId, { videoId, ownerId: "owner", eventId: randomUUID() });
  const letter = await deadLetters.waitFor(videoId, 60_000);
  expect(letter.letter.error).toMatch(/bad input: refused for the test/);
  refuse = false;

  const dry = await redrive("--dry-run");
  expect(dry).toContain(`would re-drive ${topic.name} key=${videoId}`);
  expect(dry).toMatch(/would re-drive 1 record\(s\)/);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  expect(received).toEqual([]);

  const real = await redrive();
  expect(real).toContain(`re-drove ${topic.name} key=${videoId}`);
  expect(real).toMatch(/re-drove 1 record\(s\)/);
  await expect.poll(() => received.length, { timeout: 60_000 }).toBe(1);
  expect(received[0]?.videoId).toBe(videoId);
  expect(received[0]?.redriven).toMatch(/^\d+\/\d+$/);

  const again = await redrive();
  expect(again).toMatch(/re-drove 0 record\(s\)/);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  expect(received).toHaveLength(1);
});
