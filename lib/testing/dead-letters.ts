import { setTimeout as sleep } from "node:timers/promises";
import type { DeadLetter } from "../../gen/xtream/events/v1/video_events_pb.js";
import { topics } from "../kafka/topics.ts";
import { collectEvents } from "./event-collector.ts";

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

/** Starts watching video.dead-letter (a collectEvents on that topic); resolves once the watcher has joined its group. */
export async function watchDeadLetters(brokers: string[]): Promise<DeadLetterWatch> {
  const collector = await collectEvents(brokers, [topics.deadLetter]);
  const of = (key: string) => collector.records(topics.deadLetter, key).map((record) => ({ letter: record.event, headers: record.headers }));
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
    stop: () => collector.stop(),
  };
}
