import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Kafka, logLevel } from "kafkajs";
import { ensureTopics } from "../kafka/topics-admin.ts";
import type { Topic } from "../kafka/topics.ts";

/** One record as a test sees it: the decoded event, its key and its headers as text. */
export interface CollectedRecord<S extends DescMessage = DescMessage> {
  event: MessageShape<S>;
  key: string;
  headers: Record<string, string>;
}

/** Collects decoded events of some topics, by key, while a test runs; wait for what you expect. */
export interface EventCollector {
  /** Records of one topic and key seen so far, in arrival order. */
  records<S extends DescMessage>(topic: Topic<S>, key: string): CollectedRecord<S>[];
  /** The events of records(topic, key). */
  events<S extends DescMessage>(topic: Topic<S>, key: string): MessageShape<S>[];
  /** Waits for the first event of a key (matching predicate when given). */
  waitFor<S extends DescMessage>(topic: Topic<S>, key: string, timeoutMs: number, predicate?: (event: MessageShape<S>) => boolean): Promise<MessageShape<S>>;
  stop(): Promise<void>;
}

/**
 * Starts a consumer in a group of its own on the topics, from their beginning
 * (tests match records by key, so nothing published while the group joins is
 * missed), and resolves once it has joined. Records that do not decode are
 * skipped: the shared topics hold hostile records on purpose
 * (test/hostile/kafka-payloads.test.ts), and a consumer that threw on them
 * would retry the same record forever and see nothing after it.
 */
export async function collectEvents(brokers: string[], watched: Topic[]): Promise<EventCollector> {
  const kafka = new Kafka({ clientId: `collector-${randomUUID()}`, brokers, logLevel: logLevel.NOTHING });
  await ensureTopics(kafka, watched.map((topic) => topic.name));
  const consumer = kafka.consumer({ groupId: `collector-${randomUUID()}`, sessionTimeout: 10_000 });
  const seen = new Map<string, CollectedRecord[]>();
  const schemas = new Map(watched.map((topic) => [topic.name, topic.schema]));
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  await consumer.connect();
  await consumer.subscribe({ topics: watched.map((topic) => topic.name), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const schema = schemas.get(topic);
      if (!schema) return;
      let event: MessageShape<DescMessage>;
      try {
        event = fromBinary(schema, message.value ?? new Uint8Array());
      } catch {
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) {
        const first = Array.isArray(value) ? value[0] : value;
        if (first !== undefined) headers[name] = first.toString();
      }
      const key = message.key?.toString() ?? "";
      const id = `${topic}/${key}`;
      const list = seen.get(id) ?? [];
      list.push({ event, key, headers });
      seen.set(id, list);
    },
  });
  for (let i = 0; i < 300 && !joined; i++) await sleep(100);
  const records = <S extends DescMessage>(topic: Topic<S>, key: string) => (seen.get(`${topic.name}/${key}`) ?? []) as CollectedRecord<S>[];
  const events = <S extends DescMessage>(topic: Topic<S>, key: string) => records(topic, key).map((record) => record.event);
  return {
    records,
    events,
    async waitFor(topic, key, timeoutMs, predicate) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events(topic, key).find((event) => predicate?.(event) ?? true);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${topic.name} event for ${key} within ${timeoutMs} ms`);
        await sleep(100);
      }
    },
    stop: () => consumer.disconnect(),
  };
}
