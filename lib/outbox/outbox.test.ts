import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { fromBinary } from "@bufbuild/protobuf";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VideoUploadedSchema } from "../../gen/xtream/events/v1/video_events_pb.js";
import { createPgPool, inTransaction, type Pool } from "../db/index.ts";
import { createEventProducer, type EventProducer } from "../kafka/index.ts";
import type { Topic } from "../kafka/topics.ts";
import { createLogger } from "../logger.ts";
import { createTestDatabase, stackEnv, type TestDatabase } from "../testing/index.ts";
import { createOutboxRelay, enqueueEvent, migrateOutbox } from "./index.ts";

const env = stackEnv();
const logger = createLogger("outbox-test", "silent");
let db: TestDatabase;
let pool: Pool;
let producer: EventProducer;
const consumers: Consumer[] = [];

beforeAll(async () => {
  db = await createTestDatabase("outbox");
  pool = createPgPool(db.url);
  await migrateOutbox(pool, "svc");
  await migrateOutbox(pool, "svc"); // idempotent
  producer = createEventProducer({ brokers: env.kafkaBrokers, clientId: "outbox-test" });
});
afterAll(async () => {
  await Promise.all(consumers.map((consumer) => consumer.disconnect()));
  await producer.disconnect();
  await pool.end();
  await db.drop();
});

function freshTopic(): Topic<typeof VideoUploadedSchema> {
  return { name: `test.outbox.${randomUUID()}`, schema: VideoUploadedSchema };
}

/** Reads every record of a topic into an array, as it arrives. */
async function collect(topicName: string) {
  const kafka = new Kafka({ clientId: "outbox-test-reader", brokers: env.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: topicName, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `outbox-test-${randomUUID()}` });
  consumers.push(consumer);
  const received: { key: string; eventId: string; headers: Record<string, string> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: topicName, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
      received.push({ key: message.key?.toString() ?? "", eventId: fromBinary(VideoUploadedSchema, message.value ?? Buffer.alloc(0)).eventId, headers });
    },
  });
  return received;
}

async function waitFor(check: () => boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await sleep(50);
  }
}

describe("transactional outbox", () => {
  it("publishes committed events in order, never rolled-back ones, and marks them published", async () => {
    const topic = freshTopic();
    const received = await collect(topic.name);
    const relay = createOutboxRelay({ pool, schema: "svc", producer, logger, pollMs: 200 });
    relay.start();
    try {
      for (const eventId of ["a", "b", "c"]) {
        await inTransaction(pool, (client) => enqueueEvent(client, { schema: "svc", topic, key: "video-1", message: { videoId: "video-1", eventId } }));
      }
      await expect(
        inTransaction(pool, async (client) => {
          await enqueueEvent(client, { schema: "svc", topic, key: "video-1", message: { videoId: "video-1", eventId: "rolled-back" } });
          throw new Error("abort the transaction");
        }),
      ).rejects.toThrow("abort the transaction");
      await inTransaction(pool, (client) => enqueueEvent(client, { schema: "svc", topic, key: "video-1", message: { videoId: "video-1", eventId: "d" } }));
      await waitFor(() => received.length >= 4);
      await sleep(500);
      expect(received.map((record) => record.eventId)).toEqual(["a", "b", "c", "d"]);
      expect(received.every((record) => record.key === "video-1")).toBe(true);
      const pending = await pool.query("SELECT count(*)::int AS n FROM svc.outbox WHERE published_at IS NULL AND topic = $1", [topic.name]);
      expect(pending.rows[0]).toEqual({ n: 0 });
    } finally {
      await relay.stop();
    }
  });

  it("keeps what Kafka refused pending and publishes each record exactly once after retrying", async () => {
    const topic = freshTopic();
    const received = await collect(topic.name);
    // The real producer, failing its 2nd and 3rd sends as if Kafka went away mid-batch.
    let sends = 0;
    const flaky = {
      publishEncoded: async (...args: Parameters<EventProducer["publishEncoded"]>) => {
        sends++;
        if (sends === 2 || sends === 3) throw new Error("broker unreachable");
        return producer.publishEncoded(...args);
      },
    };
    await inTransaction(pool, async (client) => {
      for (const eventId of ["1", "2", "3", "4"]) await enqueueEvent(client, { schema: "svc", topic, key: "k", message: { eventId } });
    });
    const relay = createOutboxRelay({ pool, schema: "svc", producer: flaky, logger, pollMs: 100, maxBackoffMs: 200 });
    await expect(relay.relayOnce()).rejects.toThrow("broker unreachable");
    const afterFailure = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM svc.outbox WHERE published_at IS NOT NULL AND topic = $1", [topic.name]);
    expect(afterFailure.rows[0]?.n).toBe(1);
    relay.start();
    try {
      await waitFor(() => received.length >= 4);
      await sleep(700);
      expect(received.map((record) => record.eventId)).toEqual(["1", "2", "3", "4"]);
      const failed = await pool.query<{ attempts: number; last_error: string | null }>("SELECT attempts, last_error FROM svc.outbox WHERE topic = $1 ORDER BY id", [topic.name]);
      expect(failed.rows[1]).toMatchObject({ last_error: "broker unreachable" });
    } finally {
      await relay.stop();
    }
  });

  it("quarantines a row Kafka keeps refusing and goes on with the rows behind it", async () => {
    // Kafka refuses the name (INVALID_TOPIC_EXCEPTION): no retry or outage can fix it.
    const bad: Topic<typeof VideoUploadedSchema> = { name: "not a valid topic!", schema: VideoUploadedSchema };
    const good = freshTopic();
    const received = await collect(good.name);
    await inTransaction(pool, async (client) => {
      await enqueueEvent(client, { schema: "svc", topic: bad, key: "k", message: { eventId: "bad" } });
      await enqueueEvent(client, { schema: "svc", topic: good, key: "k", message: { eventId: "after" } });
    });
    const relay = createOutboxRelay({ pool, schema: "svc", producer, logger, maxAttempts: 2 });
    await expect(relay.relayOnce()).rejects.toThrow(); // the first refusal: retried later
    expect(await relay.relayOnce()).toBeGreaterThanOrEqual(1); // the second: quarantined, the next row published
    await waitFor(() => received.length >= 1);
    expect(received.map((record) => record.eventId)).toEqual(["after"]);
    const row = await pool.query<{ quarantined: boolean; published: boolean; attempts: number; last_error: string | null }>(
      "SELECT quarantined_at IS NOT NULL AS quarantined, published_at IS NOT NULL AS published, attempts, last_error FROM svc.outbox WHERE topic = $1",
      [bad.name],
    );
    expect(row.rows[0]).toMatchObject({ quarantined: true, published: false, attempts: 2 });
    expect(row.rows[0]?.last_error).toBeTruthy();
    expect(await relay.relayOnce()).toBe(0); // never picked up again
  });

  it("two relays on one outbox publish every record once, in order", async () => {
    const topic = freshTopic();
    const received = await collect(topic.name);
    const relays = [1, 2].map(() => createOutboxRelay({ pool, schema: "svc", producer, logger, pollMs: 50, batchSize: 3 }));
    for (const relay of relays) relay.start();
    try {
      const expected = Array.from({ length: 20 }, (_, index) => String(index));
      for (const eventId of expected) {
        await inTransaction(pool, (client) => enqueueEvent(client, { schema: "svc", topic, key: "k", message: { eventId } }));
      }
      await waitFor(() => received.length >= expected.length);
      await sleep(700);
      expect(received.map((record) => record.eventId)).toEqual(expected);
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
    }
  });

  it("carries the trace headers stored with the event", async () => {
    const topic = freshTopic();
    const received = await collect(topic.name);
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    await pool.query("INSERT INTO svc.outbox (topic, key, payload, headers) VALUES ($1, 'k', '\\x'::bytea, $2)", [topic.name, { traceparent }]);
    const relay = createOutboxRelay({ pool, schema: "svc", producer, logger });
    await relay.relayOnce();
    await waitFor(() => received.length >= 1);
    expect(received[0]?.headers["traceparent"]).toBe(traceparent);
  });

  it("stops at once when stopped before its LISTEN connection is set up", async () => {
    const relay = createOutboxRelay({ pool, schema: "svc", producer, logger, pollMs: 60_000 });
    relay.start();
    const stopped = relay.stop().then(() => "stopped");
    expect(await Promise.race([stopped, sleep(5000).then(() => "still running")])).toBe("stopped");
  });

  it("refuses a schema name that is not a plain identifier", () => {
    expect(() => createOutboxRelay({ pool, schema: "svc; DROP TABLE x", producer, logger })).toThrow("bad schema name");
  });
});
