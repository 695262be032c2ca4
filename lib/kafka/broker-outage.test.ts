// A consumer outlives a broker that is SIGKILLed and started again: after
// the restart the group coordinator may not know the member any more, which
// kafkajs treats as a crash it does not restart from; the consumer then
// joins its group again by itself, and a record produced afterwards is
// handled by the same consumer object. Kills the stack's Kafka (the outage is
// bounded and Kafka is always started again).
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { stackComponent, stackEnv } from "../testing/index.ts";
import { createEventConsumer, createEventProducer, eventHandler, topics, type EventConsumer, type EventProducer } from "./index.ts";

const run = promisify(execFile);
const brokers = stackEnv().kafkaBrokers;
const topic = { ...topics.videoDeleted, name: `test-${randomUUID().slice(0, 8)}.video.deleted` };
const handled = new Set<string>();
let producer: EventProducer;
let consumer: EventConsumer;

beforeAll(async () => {
  producer = createEventProducer({ brokers, clientId: "broker-outage-test" });
  consumer = createEventConsumer({
    brokers,
    groupId: `broker-outage-${randomUUID()}`,
    clientId: "broker-outage-test",
    logger: createLogger("broker-outage-test", "silent"),
    producer,
    // A short session, as a broker restart outlasts it: the coordinator forgets the member.
    sessionTimeoutMs: 6000,
    handlers: [eventHandler({ topic, handle: async (event) => void handled.add(event.videoId) })],
  });
  await consumer.start();
  const first = randomUUID();
  await producer.publish(topic, first, { videoId: first, ownerId: "o", eventId: randomUUID() });
  for (const deadline = Date.now() + 60_000; !handled.has(first); await new Promise((resolve) => setTimeout(resolve, 200))) {
    if (Date.now() > deadline) throw new Error("the consumer did not handle its first record");
  }
}, 120_000);

afterAll(async () => {
  await stackComponent("kafka", "start");
  await consumer?.stop();
  await producer?.disconnect();
}, 200_000);

it("joins its group again after the broker was killed and restarted, and handles what comes next", { timeout: 300_000 }, async () => {
  for (let round = 0; round < 2; round++) {
    const pidFile = fileURLToPath(new URL("../../.stack/pids/kafka.pid", import.meta.url));
    await run("kill", ["-KILL", readFileSync(pidFile, "utf8").trim()]);
    // Down for longer than the session, so the restarted coordinator has dropped the member.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    await stackComponent("kafka", "start");
    const next = randomUUID();
    await producer.publish(topic, next, { videoId: next, ownerId: "o", eventId: randomUUID() });
    await expect.poll(() => handled.has(next), { timeout: 120_000, interval: 500 }).toBe(true);
    await expect.poll(() => consumer.healthy(), { timeout: 60_000 }).toBe(true);
    expect(consumer.failed()).toBe(false);
  }
});

it("keeps joining its group after a group error kafkajs does not retry, instead of stopping for good", { timeout: 120_000 }, async () => {
  // A session longer than the broker allows (group.max.session.timeout.ms, 30 min) is refused at
  // every JoinGroup with INVALID_SESSION_TIMEOUT, which kafkajs does not retry: a crash from the
  // group protocol, not from a record. (Recovery itself is the broker-restart test above.)
  const lines: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
  const refused = createEventConsumer({
    brokers,
    groupId: `invalid-session-${randomUUID()}`,
    clientId: "broker-outage-test",
    logger,
    producer,
    sessionTimeoutMs: 1_900_000,
    handlers: [eventHandler({ topic, handle: async () => undefined })],
  });
  try {
    await refused.start();
    const crashes = () => lines.filter((line) => line.includes("kafka consumer crashed")).length;
    // The first crash, then at least one more from joining again (lib/process backoff: 1 s, 2 s, …).
    await expect.poll(crashes, { timeout: 60_000, interval: 200 }).toBeGreaterThanOrEqual(2);
    expect(lines.some((line) => line.includes("joining the group again"))).toBe(true);
    expect(refused.failed()).toBe(false);
    expect(refused.healthy()).toBe(false);
  } finally {
    await refused.stop();
  }
});
