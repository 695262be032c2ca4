import { setTimeout as sleep } from "node:timers/promises";
import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { context, trace } from "@opentelemetry/api";
import { Kafka, logLevel, type Admin, type Consumer, type ConsumerRunConfig, type EachMessagePayload, type IHeaders } from "kafkajs";
import type { Logger } from "../logger.ts";
import { keepRetrying, type RetryLoop } from "../process/keep-retrying.ts";
import { classifyError, type ErrorClass } from "./error-class.ts";
import { createDeliveryTracker, type DeliveryTracker } from "./delivery-count.ts";
import { EVENT_TYPE_HEADER, type EventProducer } from "./producer.ts";
import { topics, type Topic } from "./topics.ts";
import { ensureTopics } from "./topics-admin.ts";
import { ATTR_VIDEO_ID } from "../telemetry/spans.ts";
import { observeConsumerLag } from "./consumer-lag.ts";
import { extractTraceContext } from "./trace-headers.ts";

/** Headers a dead-letter record carries besides the original record's own. */
export const DEAD_LETTER_HEADERS = {
  topic: "x-dead-letter-topic",
  partition: "x-dead-letter-partition",
  offset: "x-dead-letter-offset",
  reason: "x-dead-letter-reason",
  group: "x-dead-letter-group",
} as const;

/** Where a record came from, and which attempt this is. */
export interface EventMeta {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  headers: IHeaders;
  attempt: number;
  /** Aborts when the consumer is stopping or the attempt timed out. */
  signal: AbortSignal;
  /** Keeps the group membership alive during long work. Called automatically every few seconds too. */
  heartbeat(): Promise<void>;
}

/** How one topic's events are handled: the typed registry's entry. */
export interface EventHandler<S extends DescMessage = DescMessage> {
  topic: Topic<S>;
  handle(event: MessageShape<S>, meta: EventMeta): Promise<void>;
  /**
   * Attempts for an error of unknown kind before the dead-letter topic (default 3). Bad input
   * (PermanentError) is dead-lettered at once; infrastructure errors are retried until they pass.
   */
  attempts?: number;
  /** Limit for one attempt (default 60 s). */
  timeoutMs?: number;
  /** First retry delay, doubled each time up to the consumer's maxBackoffMs (default 500 ms). */
  backoffMs?: number;
  /** Called once before the record goes to the dead-letter topic (bad input, or every attempt failed). */
  onFinalFailure?(event: MessageShape<S> | undefined, error: unknown, meta: EventMeta): Promise<void>;
}

/** Declares a registry entry with its event type checked against the topic. */
export function eventHandler<S extends DescMessage>(handler: EventHandler<S>): EventHandler {
  return handler;
}

export interface EventConsumerOptions {
  brokers: string[];
  groupId: string;
  clientId: string;
  handlers: EventHandler[];
  logger: Logger;
  /** Used for the dead-letter topic. */
  producer: EventProducer;
  /** Partitions processed at once by this process (default 1). */
  concurrency?: number;
  /**
   * Where a group with no committed offsets starts: the beginning of each topic (default true),
   * or its end, which is then committed at once so a restart resumes there and misses nothing.
   */
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  /** Longest wait between two tries while a dependency is down (default 30 s). */
  maxBackoffMs?: number;
  /**
   * Attempts at one record that may end with the process gone (killed, crashed) before the
   * record is dead-lettered instead of handled again (default 3). Counted in Kafka (delivery-count.ts).
   */
  maxUnfinishedDeliveries?: number;
  /** Partitions of the topics this consumer creates when they do not exist yet (default: the broker's). */
  partitions?: number;
}

export interface EventConsumer {
  start(): Promise<void>;
  /**
   * Stops: no new record is started; a handler in flight gets up to `graceMs` (default 0) to
   * finish (its offset is then committed), then its signal aborts and its record is left
   * uncommitted for the next owner of the partition; then leaves the group.
   */
  stop(graceMs?: number): Promise<void>;
  /** True while consuming: false before start, after stop, and after a crash until the group is joined again (for good if kafkajs gave up). */
  healthy(): boolean;
  /** True once kafkajs gave up restarting after a crash: only a new process recovers. */
  failed(): boolean;
}

const REBALANCING = new Set(["REBALANCE_IN_PROGRESS", "NOT_COORDINATOR_FOR_GROUP", "ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID"]);
/** Errors kafkajs handles by rejoining the group: they must leave eachMessage. */
function rebalancing(error: unknown): boolean {
  const type = (error as { type?: unknown } | undefined)?.type;
  return typeof type === "string" && REBALANCING.has(type);
}

function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/**
 * A Kafka consumer-group worker over a typed handler registry. Each failure is
 * classified (error-class.ts): bad input goes to the dead-letter topic at once
 * with its reason; an outage (PostgreSQL, MinIO, Kafka, the network, a
 * timeout) holds the partition at that record and retries with capped
 * exponential backoff for as long as it lasts, never dead-lettering; other
 * errors get `attempts` tries. Offsets are committed by hand, only after the
 * record was handled or dead-lettered: a killed worker's record is redone by
 * another, and a record that kills its process every time is dead-lettered
 * after `maxUnfinishedDeliveries` (counted in Kafka, delivery-count.ts).
 */
export function createEventConsumer(options: EventConsumerOptions): EventConsumer {
  const kafka = new Kafka({ clientId: options.clientId, brokers: options.brokers, logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 15_000,
    heartbeatInterval: 3000,
    allowAutoTopicCreation: true,
  });
  const byTopic = new Map(options.handlers.map((handler) => [handler.topic.name, handler]));
  const stopping = new AbortController();
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const maxUnfinished = options.maxUnfinishedDeliveries ?? 3;
  let lag: { stop(): Promise<void> } | undefined;
  let admin: Admin | undefined;
  let tracker: DeliveryTracker | undefined;
  let started = false;
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  let crashed = false;
  let gaveUp = false;

  /** Sleeps, heartbeating every 3 s; a rebalance ends the wait (the record goes back to the group). */
  const pauseFor = async (ms: number, payload: EachMessagePayload) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await sleep(Math.min(3000, until - Date.now()), undefined, { signal: stopping.signal });
      try {
        await payload.heartbeat();
      } catch (err) {
        if (rebalancing(err)) throw err;
      }
    }
  };

  /** Runs a step that only an outage can stop (commits, the dead-letter publish) until it succeeds. */
  const persist = async <T>(what: string, step: () => Promise<T>, payload: EachMessagePayload, log: Logger): Promise<T> => {
    for (let wait = 500; ; wait = Math.min(wait * 2, maxBackoffMs)) {
      try {
        return await step();
      } catch (err) {
        if (rebalancing(err) || stopping.signal.aborted || classifyError(err) !== "infrastructure") throw err;
        log.warn({ err, retryInMs: wait }, `could not ${what}; waiting for Kafka`);
        await pauseFor(wait, payload);
      }
    }
  };

  const deadLetter = async (payload: EachMessagePayload, reason: string, attempts: number, log: Logger) => {
    const { topic, partition, message } = payload;
    const headers: IHeaders = {
      ...message.headers,
      [DEAD_LETTER_HEADERS.topic]: topic,
      [DEAD_LETTER_HEADERS.partition]: String(partition),
      [DEAD_LETTER_HEADERS.offset]: message.offset,
      [DEAD_LETTER_HEADERS.reason]: reason.slice(0, 500),
      [DEAD_LETTER_HEADERS.group]: options.groupId,
    };
    delete headers[EVENT_TYPE_HEADER]; // the dead-letter record is a DeadLetter
    await persist(
      "publish to the dead-letter topic",
      () =>
        options.producer.publish(
          topics.deadLetter,
          message.key?.toString() ?? "",
          {
            topic,
            partition,
            offset: message.offset,
            key: message.key ?? new Uint8Array(),
            value: message.value ?? new Uint8Array(),
            error: reason,
            attempts,
            eventTime: timestampNow(),
          },
          headers,
        ),
      payload,
      log,
    );
    log.error({ reason, attempts }, "event sent to the dead-letter topic");
  };

  /**
   * Once stopping, a record is left as it is (its offset uncommitted, so the
   * next member of the group redoes it) and eachMessage returns normally
   * (throwing would only send kafkajs into its error and retry path while it
   * disconnects). No new attempt starts and nothing is committed past it.
   */
  const process = async (payload: EachMessagePayload) => {
    if (draining || stopping.signal.aborted) return;
    inFlight++;
    try {
      await processRecord(payload);
    } catch (err) {
      if (stopping.signal.aborted) return;
      throw err;
    } finally {
      if (--inFlight === 0) idle?.();
    }
  };

  const processRecord = async (payload: EachMessagePayload) => {
    const handler = byTopic.get(payload.topic);
    if (!handler || !tracker) return;
    const track = tracker;
    const { message, topic, partition } = payload;
    const baseMeta = {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? "",
      headers: message.headers ?? {},
      heartbeat: () => payload.heartbeat(),
    };
    // Every topic is keyed by video id (topics.ts): searchable on the "process <topic>" span.
    trace.getActiveSpan()?.setAttributes({ [ATTR_VIDEO_ID]: baseMeta.key, "xtream.consumer.group": options.groupId });
    const log = options.logger.child({ topic, partition, offset: message.offset, key: baseMeta.key });
    const done = () => persist("commit the offset", () => track.done(topic, partition, message.offset), payload, log);
    const reject = async (reason: string, attempts: number) => {
      await deadLetter(payload, reason, attempts, log);
      await done();
    };

    const unfinished = await persist("read the delivery count", () => track.unfinished(topic, partition, message.offset), payload, log);
    if (unfinished >= maxUnfinished) {
      return reject(`the consumer stopped ${unfinished} times while handling this record (killed or crashed); not trying again`, unfinished);
    }

    const typeName = headerText(message.headers, EVENT_TYPE_HEADER);
    if (typeName !== undefined && typeName !== handler.topic.schema.typeName) {
      return reject(`unknown event type ${JSON.stringify(typeName.slice(0, 100))} on ${topic} (expected ${handler.topic.schema.typeName})`, 0);
    }
    let event: MessageShape<DescMessage>;
    try {
      event = fromBinary(handler.topic.schema, message.value ?? new Uint8Array());
    } catch (err) {
      return reject(`undecodable payload: not a ${handler.topic.schema.typeName} (${describe(err)})`, 0);
    }

    const attempts = handler.attempts ?? 3;
    let failures = 0;
    let waits = 0;
    for (let attempt = 1; ; attempt++) {
      if (draining || stopping.signal.aborted) return; // stopping: no new attempt, the offset stays uncommitted
      await persist("record the delivery", () => track.begin(topic, partition, message.offset), payload, log);
      const attemptController = new AbortController();
      const signal = AbortSignal.any([stopping.signal, attemptController.signal]);
      // A TimeoutError: a handler that passes it on is treated as waiting on a slow dependency.
      const timer = setTimeout(() => attemptController.abort(new DOMException("attempt timed out", "TimeoutError")), handler.timeoutMs ?? 60_000);
      // kafkajs only heartbeats between records; long handlers must do it themselves.
      const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), 3000);
      let error: unknown;
      let ok = false;
      try {
        await handler.handle(event, { ...baseMeta, attempt, signal });
        ok = true;
      } catch (err) {
        error = err;
      } finally {
        clearTimeout(timer);
        clearInterval(beat);
      }
      if (ok) return done();
      // The attempt ended with the process alive: it does not count as a killed delivery.
      if (stopping.signal.aborted) {
        await track.end(topic, partition, message.offset).catch(() => undefined);
        return; // the offset stays uncommitted: another worker redoes it
      }
      await persist("record the end of an attempt", () => track.end(topic, partition, message.offset), payload, log);
      const kind: ErrorClass = classifyError(error);
      if (kind === "infrastructure") {
        // An outage: hold this partition at this record and try again, as long as it takes.
        const wait = Math.min((handler.backoffMs ?? 500) * 2 ** Math.min(waits++, 20), maxBackoffMs);
        log.warn({ err: error, retryInMs: wait, waits }, "a dependency is unavailable; holding the record and retrying");
        await pauseFor(wait, payload);
        continue;
      }
      waits = 0;
      failures++;
      log.warn({ err: error, attempt: failures, attempts, kind }, "event handler failed");
      if (kind === "unknown" && failures < attempts) {
        await pauseFor(Math.min((handler.backoffMs ?? 500) * 2 ** (failures - 1), maxBackoffMs), payload);
        continue;
      }
      try {
        await handler.onFinalFailure?.(event, error, { ...baseMeta, attempt: failures, signal: stopping.signal });
      } catch (err) {
        log.error({ err }, "onFinalFailure failed");
      }
      const reason = kind === "bad-input" ? `bad input: ${describe(error)}` : `failed ${failures} times: ${describe(error)}`;
      return reject(reason, failures);
    }
  };

  /** Errors that left eachMessage (not a rebalance): ours, so a crash they cause is not the broker's. */
  const escaped = new WeakSet<object>();
  const runConfig: ConsumerRunConfig = {
    autoCommit: false,
    partitionsConsumedConcurrently: options.concurrency ?? 1,
    // The kafkajs instrumentation already made a "process <topic>" span, child of the
    // producer's span, and made it active: keep it. Without the instrumentation
    // (OTEL_NODE_DISABLED_INSTRUMENTATIONS=kafkajs) continue the producer's trace directly.
    eachMessage: async (payload) => {
      try {
        await (trace.getSpan(context.active()) ? process(payload) : context.with(extractTraceContext(payload.message.headers), () => process(payload)));
      } catch (err) {
        if (!rebalancing(err) && typeof err === "object" && err !== null) escaped.add(err);
        throw err;
      }
    },
  };

  /**
   * kafkajs gives up for good on some group errors it does not retry, typically
   * after the broker was restarted ("the coordinator is not aware of this
   * member"): the consumer would stay stopped while the process lives on. Join
   * again instead, with lib/process's backoff, until the group takes us back.
   * Committed offsets make this lose nothing.
   */
  let rejoining: RetryLoop | undefined;
  let crashedWhileJoining = false;
  const rejoin = () => {
    if (rejoining) {
      crashedWhileJoining = true;
      return;
    }
    options.logger.warn("kafka consumer stopped on a group or broker error; joining the group again");
    const loop = keepRetrying(
      async () => {
        crashedWhileJoining = false;
        await consumer.disconnect().catch(() => undefined);
        await consumer.connect();
        await consumer.run(runConfig);
        // kafkajs reports a failed join as a crash, not as an error of run().
        if (crashedWhileJoining) throw new Error("the consumer crashed while joining its group");
      },
      { what: `kafka consumer of group ${options.groupId}`, logger: options.logger },
    );
    rejoining = loop;
    void loop.started.then(() => {
      if (rejoining === loop) rejoining = undefined;
    });
  };

  return {
    async start() {
      await options.producer.connect();
      await consumer.connect();
      admin ??= kafka.admin();
      await admin.connect();
      tracker ??= createDeliveryTracker(consumer, admin, options.groupId);
      await ensureTopics(kafka, [...byTopic.keys()], options.partitions);
      if (options.fromBeginning === false) await pinNewGroupAtEnd(admin, options.groupId, [...byTopic.keys()]);
      await consumer.subscribe({ topics: [...byTopic.keys()], fromBeginning: options.fromBeginning ?? true });
      consumer.on(consumer.events.GROUP_JOIN, () => {
        // Another member may have committed since: read the delivery counts again.
        tracker?.reset();
        crashed = false;
      });
      // kafkajs restarts itself after retriable crashes; make every crash visible (logs and health).
      consumer.on(consumer.events.CRASH, (event) => {
        crashed = true;
        const { error, restart } = event.payload;
        options.logger.error({ err: error, restart }, "kafka consumer crashed");
        if (restart || stopping.signal.aborted) return;
        if (causedBy(error, escaped)) {
          // A record whose handling fails in a way no retry mends (escaped.add below): joining
          // again would only crash on it again. Liveness turns NOT_SERVING; a new process
          // counts the delivery and dead-letters the record after maxUnfinishedDeliveries.
          gaveUp = true;
          return;
        }
        rejoin();
      });
      await consumer.run(runConfig);
      started = true;
      lag ??= observeConsumerLag(kafka, options.groupId, [...byTopic.keys()], options.logger);
    },
    async stop(graceMs = 0) {
      started = false;
      draining = true;
      if (inFlight > 0 && graceMs > 0) {
        // Let the record in flight finish (a transcode gets the pod's termination grace).
        const finished = new Promise<void>((resolve) => (idle = resolve));
        const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
        await Promise.race([finished, timer]);
      }
      stopping.abort(new Error("consumer stopping"));
      await rejoining?.stop();
      await lag?.stop();
      await consumer.disconnect();
      await admin?.disconnect().catch(() => undefined);
    },
    healthy: () => started && !crashed && !gaveUp,
    failed: () => gaveUp,
  };
}

/**
 * For a group that never committed on a partition: commits the partition's
 * current end, so the group starts there now and, after a restart, resumes
 * from where it got to instead of from the end again.
 */
async function pinNewGroupAtEnd(admin: Admin, groupId: string, names: string[]): Promise<void> {
  const committed = await admin.fetchOffsets({ groupId, topics: names });
  for (const { topic, partitions } of committed) {
    const missing = new Set(partitions.filter((entry) => Number(entry.offset) < 0).map((entry) => entry.partition));
    if (missing.size === 0) continue;
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.filter((end) => missing.has(end.partition)).map((end) => ({ partition: end.partition, offset: end.high })) });
  }
}

/** True when the error, or an error it was caused by (kafkajs wraps them), is in the set. */
function causedBy(error: unknown, set: WeakSet<object>): boolean {
  for (let current = error, depth = 0; typeof current === "object" && current !== null && depth < 10; depth++) {
    if (set.has(current)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
