/**
 * Re-drive: reads video.dead-letter and publishes each record's original
 * bytes again to the topic it came from (the DeadLetter payload and its
 * x-dead-letter-topic header say which), with its original headers (the
 * trace context, so it joins the upload's trace) and
 * `x-redriven-from: <partition>/<offset>`. Each run
 * takes the dead-letter records its group has not taken yet (group
 * `xtream-redrive`, or `xtream-redrive.<topic>` with a topic filter), up to
 * the end of the topic when it started, and then moves the group's offsets
 * there; a dry run only lists them. A record that fails again goes back to
 * the dead-letter topic as a new record, so re-driving it later is possible.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { fromBinary } from "@bufbuild/protobuf";
import { Kafka, logLevel, type IHeaders } from "kafkajs";
import { DeadLetterSchema } from "../../gen/xtream/events/v1/video_events_pb.js";
import { createEventProducer, DEAD_LETTER_HEADERS, ensureTopics, EVENT_TYPE_HEADER, topics } from "../../lib/kafka/index.ts";

/** What to re-drive. */
export interface RedriveOptions {
  brokers: string[];
  /** Only records that came from this topic. */
  topic?: string;
  /** List, publish nothing, move no offsets. */
  dryRun?: boolean;
  /** Told about each record (the CLI prints it). */
  onRecord?: (line: string) => void;
  /** Longest wait for the records (default 60 s). */
  timeoutMs?: number;
}

/** What a run did. */
export interface RedriveReport {
  redriven: number;
  skipped: number;
  /** Records seen per original topic. */
  byTopic: Record<string, number>;
}

/** The group whose committed offsets say how far re-drive has gone. */
export function redriveGroup(topic?: string): string {
  return topic ? `xtream-redrive.${topic}` : "xtream-redrive";
}

/** Runs one re-drive over the records not taken yet. */
export async function redrive(options: RedriveOptions): Promise<RedriveReport> {
  const kafka = new Kafka({ clientId: "xtream-redrive", brokers: options.brokers, logLevel: logLevel.NOTHING });
  const dlq = topics.deadLetter.name;
  const groupId = redriveGroup(options.topic);
  const report: RedriveReport = { redriven: 0, skipped: 0, byTopic: {} };
  await ensureTopics(kafka, [dlq]);
  const admin = kafka.admin();
  await admin.connect();
  const producer = createEventProducer({ brokers: options.brokers, clientId: "xtream-redrive" });
  try {
    const ends = await admin.fetchTopicOffsets(dlq);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [dlq] });
    const ranges = new Map<number, { from: bigint; to: bigint }>();
    for (const end of ends) {
      const done = BigInt(committed?.partitions.find((entry) => entry.partition === end.partition)?.offset ?? "-1");
      const from = done >= 0n ? done : BigInt(end.low);
      if (from < BigInt(end.high)) ranges.set(end.partition, { from, to: BigInt(end.high) });
    }
    if (ranges.size > 0) await read(kafka, dlq, ranges, options.timeoutMs ?? 60_000, async (partition, offset, key, value, headers) => {
      const letter = fromBinary(DeadLetterSchema, value);
      const original = letter.topic || text(headers[DEAD_LETTER_HEADERS.topic]) || "";
      report.byTopic[original] = (report.byTopic[original] ?? 0) + 1;
      const where = `dead-letter ${partition}/${offset}`;
      const about = `${original} key=${key} (${where}; ${letter.error.slice(0, 200)})`;
      if (!original || (options.topic && original !== options.topic)) {
        report.skipped++;
        options.onRecord?.(`skipped ${about}`);
        return;
      }
      if (options.dryRun) {
        report.redriven++;
        options.onRecord?.(`would re-drive ${about}`);
        return;
      }
      const forward: IHeaders = { ...headers, "x-redriven-from": `${partition}/${offset}` };
      for (const name of Object.values(DEAD_LETTER_HEADERS)) delete forward[name];
      delete forward[EVENT_TYPE_HEADER]; // that one names DeadLetter, not the original's type
      await producer.publishEncoded(original, key, letter.value, forward);
      report.redriven++;
      options.onRecord?.(`re-drove ${about}`);
    });
    if (!options.dryRun && ranges.size > 0) {
      await admin.setOffsets({ groupId, topic: dlq, partitions: [...ranges].map(([partition, range]) => ({ partition, offset: range.to.toString() })) });
    }
    return report;
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
}

function text(value: IHeaders[string]): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

type RecordSink = (partition: number, offset: string, key: string, value: Uint8Array, headers: IHeaders) => Promise<void>;

/** Reads [from, to) of each partition with a throwaway group that never commits. */
async function read(kafka: Kafka, topic: string, ranges: Map<number, { from: bigint; to: bigint }>, timeoutMs: number, sink: RecordSink): Promise<void> {
  const consumer = kafka.consumer({ groupId: `xtream-redrive-reader-${randomUUID()}`, sessionTimeout: 10_000 });
  const left = new Set(ranges.keys());
  let failure: Error | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [partition, range] of ranges) consumer.seek({ topic, partition, offset: range.from.toString() });
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const range = ranges.get(partition);
        const offset = BigInt(message.offset);
        if (!range || offset < range.from || offset >= range.to || failure) return;
        try {
          await sink(partition, message.offset, message.key?.toString() ?? "", message.value ?? new Uint8Array(), message.headers ?? {});
        } catch (err) {
          failure = err instanceof Error ? err : new Error(String(err));
        }
        if (offset + 1n >= range.to) left.delete(partition);
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (left.size > 0 && !failure) {
      if (Date.now() > deadline) throw new Error(`timed out reading ${topic} (partitions left: ${[...left].join(", ")})`);
      await sleep(100);
    }
    if (failure) throw failure;
  } finally {
    await consumer.disconnect();
  }
}
