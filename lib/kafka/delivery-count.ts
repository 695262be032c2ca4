import type { Admin, Consumer } from "kafkajs";

/**
 * Counts, in Kafka itself, the attempts at a record that never finished: the
 * process died (SIGKILL, out of memory, a crash in native code) while a
 * handler ran. Before each attempt the record's own offset is committed with
 * metadata `{"o":"<offset>","u":<n>}`; when the attempt ends either way the
 * count goes back down (or the next offset is committed). A new process, or
 * another worker after a rebalance, reads the committed metadata and knows how
 * many times the record already took a process down, so a poison record is
 * dead-lettered after a limit instead of being redelivered forever.
 */
export interface DeliveryTracker {
  /** Earlier attempts at this record that never finished (0 for a fresh record). */
  unfinished(topic: string, partition: number, offset: string): Promise<number>;
  /** Records that an attempt starts: commits the record's offset with the count + 1. */
  begin(topic: string, partition: number, offset: string): Promise<void>;
  /** Records that an attempt ended without a verdict (it will be tried again). */
  end(topic: string, partition: number, offset: string): Promise<void>;
  /** The record is done (handled or dead-lettered): commits the next offset. */
  done(topic: string, partition: number, offset: string): Promise<void>;
  /** Forgets what it read (after a rebalance the committed state may have moved on). */
  reset(): void;
}

interface State {
  offset: string;
  unfinished: number;
}

/** Parses the metadata this tracker writes; anything else counts as nothing. */
export function parseDeliveryMetadata(metadata: string | null | undefined): State | undefined {
  if (!metadata) return undefined;
  try {
    const parsed = JSON.parse(metadata) as { o?: unknown; u?: unknown };
    if (typeof parsed.o === "string" && typeof parsed.u === "number" && Number.isInteger(parsed.u) && parsed.u >= 0) return { offset: parsed.o, unfinished: parsed.u };
  } catch {
    // not ours
  }
  return undefined;
}

/** Creates a tracker for one consumer group; `admin` must be connected. */
export function createDeliveryTracker(consumer: Consumer, admin: Admin, groupId: string): DeliveryTracker {
  const states = new Map<string, State>();
  const id = (topic: string, partition: number) => `${topic}/${partition}`;

  const load = async (topic: string, partition: number): Promise<State | undefined> => {
    const key = id(topic, partition);
    if (!states.has(key)) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const entry of committed?.partitions ?? []) {
        const state = parseDeliveryMetadata(entry.metadata);
        if (state && !states.has(id(topic, entry.partition))) states.set(id(topic, entry.partition), state);
      }
    }
    return states.get(key);
  };
  const commit = async (topic: string, partition: number, offset: string, unfinished: number) => {
    await consumer.commitOffsets([{ topic, partition, offset, metadata: JSON.stringify({ o: offset, u: unfinished }) }]);
    states.set(id(topic, partition), { offset, unfinished });
  };

  return {
    async unfinished(topic, partition, offset) {
      const state = await load(topic, partition);
      return state?.offset === offset ? state.unfinished : 0;
    },
    async begin(topic, partition, offset) {
      const state = await load(topic, partition);
      await commit(topic, partition, offset, (state?.offset === offset ? state.unfinished : 0) + 1);
    },
    async end(topic, partition, offset) {
      const state = states.get(id(topic, partition));
      if (state?.offset === offset && state.unfinished > 0) await commit(topic, partition, offset, state.unfinished - 1);
    },
    async done(topic, partition, offset) {
      const next = (BigInt(offset) + 1n).toString();
      await consumer.commitOffsets([{ topic, partition, offset: next }]);
      states.set(id(topic, partition), { offset: next, unfinished: 0 });
    },
    reset() {
      states.clear();
    },
  };
}
