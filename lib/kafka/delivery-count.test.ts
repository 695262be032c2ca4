// A record whose handler kills the process every time is not redelivered
// forever: the count of unfinished attempts lives in the committed offset's
// metadata, so a fresh process sees it and dead-letters the record after the
// limit (2 in the fixture), then goes on with the next record.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createEventProducer, topics, type EventProducer } from "./index.ts";
import { parseDeliveryMetadata } from "./delivery-count.ts";
import { stackEnv, watchDeadLetters, type DeadLetterWatch } from "../testing/index.ts";

const fixture = fileURLToPath(new URL("./fixtures/killing-consumer.ts", import.meta.url));
const brokers = stackEnv().kafkaBrokers;
let producer: EventProducer;
let deadLetters: DeadLetterWatch;

beforeAll(async () => {
  producer = createEventProducer({ brokers, clientId: "delivery-count-test" });
  deadLetters = await watchDeadLetters(brokers);
}, 60_000);
afterAll(async () => {
  await deadLetters?.stop();
  await producer?.disconnect();
});

/** Runs the fixture until it exits by itself (killed) or prints what we wait for (then stops it). */
function runConsumer(topic: string, group: string, poison: string, until: RegExp): Promise<{ signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, topic, group, poison], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (until.test(output)) child.kill("SIGTERM");
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (_code, signal) => {
      clearTimeout(timer);
      resolve({ signal, output });
    });
  });
}

it("parses only its own metadata", () => {
  expect(parseDeliveryMetadata('{"o":"12","u":2}')).toEqual({ offset: "12", unfinished: 2 });
  expect(parseDeliveryMetadata("")).toBeUndefined();
  expect(parseDeliveryMetadata("{not json")).toBeUndefined();
  expect(parseDeliveryMetadata('{"o":12,"u":-1}')).toBeUndefined();
});

it("dead-letters a record that kills its consumer, after the limit, and goes on", { timeout: 300_000 }, async () => {
  const topic = `test-${randomUUID().slice(0, 8)}.video.deleted`;
  const group = `delivery-count-${randomUUID()}`;
  const poison = randomUUID();
  const after = randomUUID();
  const target = { ...topics.videoDeleted, name: topic };
  await producer.publish(target, poison, { videoId: poison, ownerId: "o", eventId: randomUUID() });
  // Same key, so same partition: the poison record comes first.
  await producer.publish(target, poison, { videoId: after, ownerId: "o", eventId: randomUUID() });

  // Two processes die in the handler; the third sees the count and dead-letters instead.
  const first = await runConsumer(topic, group, poison, new RegExp(`handled ${after}`));
  expect(first.signal, first.output).toBe("SIGKILL");
  const second = await runConsumer(topic, group, poison, new RegExp(`handled ${after}`));
  expect(second.signal).toBe("SIGKILL");
  const third = await runConsumer(topic, group, poison, new RegExp(`handled ${after}`));
  expect(third.signal).not.toBe("SIGKILL");
  expect(third.output).toContain("dead-lettered");
  expect(third.output).toContain(`handled ${after}`);

  const letter = await deadLetters.waitFor(poison, 30_000);
  expect(letter.letter.topic).toBe(topic);
  expect(letter.letter.error).toMatch(/stopped 2 times while handling this record/);
  expect(letter.headers["x-dead-letter-topic"]).toBe(topic);
});
