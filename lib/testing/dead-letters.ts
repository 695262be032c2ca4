import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { fromBinary } from "@bufbuild/protobuf";
import { Kafka, logLevel } from "kafkajs";
import { DeadLetterSchema, type DeadLetter } from "../../gen/xtream/events/v1/video_events_pb.js";
import { ensureTopics } from "../kafka/topics-admin.ts";
import { topics } from "../kafka/topics.ts";

/** A dead-letter record as a test sees it: the payload and the headers as text. */
export interface SeenDeadLetter {
  letter: DeadLetter;
  headers: Record<string, string>;
}

/** Reads the dead-letter topic (from its beginning, in a group of its own) while a test runs. */
export interface DeadLetterWatch {
  /** Dead-letter records of one key seen so far. */
  of(key: string): SeenDeadLetter[];
  /** Waits for the first record of a key. */
  waitFor(key: string, timeoutMs?: number): Promise<SeenDeadLetter>;
  stop(): Promise<void>;
}

/** Starts watching video.dead-letter; resolves once the watcher has joined its group. */
export async function watchDeadLetters(brokers: string[]): Promise<DeadLetterWatch> {
  const kafka = new Kafka({ clientId: `dead-letter-watch-${randomUUID()}`, brokers, logLevel: logLevel.NOTHING });
  await ensureTopics(kafka, [topics.deadLetter.name]);
  const consumer = kafka.consumer({ groupId: `dead-letter-watch-${randomUUID()}`, sessionTimeout: 10_000 });
  const seen = new Map<string, SeenDeadLetter[]>();
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.deadLetter.name], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const key = message.key?.toString() ?? "";
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) {
        const first = Array.isArray(value) ? value[0] : value;
        if (first !== undefined) headers[name] = first.toString();
      }
      let letter: DeadLetter;
      try {
        letter = fromBinary(DeadLetterSchema, message.value ?? new Uint8Array());
      } catch {
        return; // not a dead letter (a test's hostile record): skipped, never retried forever
      }
      const list = seen.get(key) ?? [];
      list.push({ letter, headers });
      seen.set(key, list);
    },
  });
  for (let i = 0; i < 300 && !joined; i++) await sleep(100);
  const of = (key: string) => seen.get(key) ?? [];
  return {
    of,
    async waitFor(key, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const first = of(key)[0];
        if (first) return first;
        if (Date.now() > deadline) throw new Error(`no dead-letter record for ${key} within ${timeoutMs} ms`);
        await sleep(100);
      }
    },
    stop: () => consumer.disconnect(),
  };
}
