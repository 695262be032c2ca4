import { setTimeout as sleep } from "node:timers/promises";
import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { context, trace } from "@opentelemetry/api";
import { Kafka, logLevel, type Consumer, type EachMessagePayload, type IHeaders } from "kafkajs";
import { AppError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { EventProducer } from "./producer.ts";
import { topics, type Topic } from "./topics.ts";
import { ensureTopics } from "./topics-admin.ts";
import { ATTR_VIDEO_ID } from "../telemetry/spans.ts";
import { observeConsumerLag } from "./consumer-lag.ts";
import { extractTraceContext } from "./trace-headers.ts";

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
  /** Attempts before giving up (default 3). Errors marked permanent are not retried. */
  attempts?: number;
  /** Limit for one attempt (default 60 s). */
  timeoutMs?: number;
  /** First retry delay, doubled each time (default 500 ms). */
  backoffMs?: number;
  /** Called once when every attempt failed, before the record goes to the dead-letter topic. */
  onFinalFailure?(event: MessageShape<S> | undefined, error: unknown, meta: EventMeta): Promise<void>;
}

/** Declares a registry entry with its event type checked against the topic. */
export function eventHandler<S extends DescMessage>(handler: EventHandler<S>): EventHandler {
  return handler;
}

/** An error that retrying cannot fix (bad input): skip retries, fail at once. */
export class PermanentError extends AppError {
  constructor(message: string, options?: ErrorOptions) {
    super("failed_precondition", message, options);
    this.name = "PermanentError";
  }
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
  /** Start from the beginning of each topic when the group has no offsets (default true). */
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
}

export interface EventConsumer {
  start(): Promise<void>;
  /** Stops fetching, lets the in-flight handler finish (its offset is then committed), leaves the group. */
  stop(): Promise<void>;
}

/**
 * A Kafka consumer-group worker over a typed handler registry. A record's
 * offset is committed only after its handler succeeded, or after it failed
 * every attempt and went to the dead-letter topic: a bad record never
 * crash-loops the worker, and a killed worker's record is redone by another.
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
  let lag: { stop(): Promise<void> } | undefined;

  const deadLetter = async (payload: EachMessagePayload, error: unknown, attempts: number) => {
    const { topic, partition, message } = payload;
    await options.producer.publish(topics.deadLetter, message.key?.toString() ?? "", {
      topic,
      partition,
      offset: message.offset,
      key: message.key ?? new Uint8Array(),
      value: message.value ?? new Uint8Array(),
      error: describe(error),
      attempts,
      eventTime: timestampNow(),
    });
  };

  const process = async (payload: EachMessagePayload) => {
    const handler = byTopic.get(payload.topic);
    if (!handler) return;
    const { message } = payload;
    const baseMeta = {
      topic: payload.topic,
      partition: payload.partition,
      offset: message.offset,
      key: message.key?.toString() ?? "",
      headers: message.headers ?? {},
      heartbeat: () => payload.heartbeat(),
    };
    // Every topic is keyed by video id (topics.ts): searchable on the "process <topic>" span.
    trace.getActiveSpan()?.setAttributes({ [ATTR_VIDEO_ID]: baseMeta.key, "xtream.consumer.group": options.groupId });
    const log = options.logger.child({ topic: payload.topic, partition: payload.partition, offset: message.offset, key: baseMeta.key });

    let event: MessageShape<DescMessage> | undefined;
    try {
      event = fromBinary(handler.topic.schema, message.value ?? new Uint8Array());
    } catch (err) {
      log.error({ err }, "undecodable event; sending to dead-letter topic");
      await deadLetter(payload, err, 0);
      return;
    }

    const attempts = handler.attempts ?? 3;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const attemptController = new AbortController();
      const signal = AbortSignal.any([stopping.signal, attemptController.signal]);
      const timer = setTimeout(() => attemptController.abort(new Error("attempt timed out")), handler.timeoutMs ?? 60_000);
      // kafkajs only heartbeats between records; long handlers must do it themselves.
      const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), 3000);
      try {
        await handler.handle(event, { ...baseMeta, attempt, signal });
        return;
      } catch (err) {
        lastError = err;
        if (stopping.signal.aborted) throw err; // leave the offset uncommitted: another worker redoes it
        const permanent = err instanceof PermanentError;
        log.warn({ err, attempt, attempts, permanent }, "event handler failed");
        if (permanent) break;
        if (attempt < attempts) await sleep((handler.backoffMs ?? 500) * 2 ** (attempt - 1), undefined, { signal: stopping.signal });
      } finally {
        clearTimeout(timer);
        clearInterval(beat);
      }
    }
    try {
      await handler.onFinalFailure?.(event, lastError, { ...baseMeta, attempt: attempts, signal: stopping.signal });
    } catch (err) {
      log.error({ err }, "onFinalFailure failed");
    }
    await deadLetter(payload, lastError, attempts);
    log.error({ err: lastError }, "event failed every attempt; sent to dead-letter topic");
  };

  return {
    async start() {
      await options.producer.connect();
      await consumer.connect();
      await ensureTopics(kafka, [...byTopic.keys()]);
      await consumer.subscribe({ topics: [...byTopic.keys()], fromBeginning: options.fromBeginning ?? true });
      // kafkajs restarts itself after retriable crashes; make every crash visible.
      consumer.on(consumer.events.CRASH, (event) => {
        options.logger.error({ err: event.payload.error, restart: event.payload.restart }, "kafka consumer crashed");
      });
      await consumer.run({
        autoCommit: true,
        partitionsConsumedConcurrently: options.concurrency ?? 1,
        // The kafkajs instrumentation already made a "process <topic>" span, child of the
        // producer's span, and made it active: keep it. Without the instrumentation
        // (OTEL_NODE_DISABLED_INSTRUMENTATIONS=kafkajs) continue the producer's trace directly.
        eachMessage: (payload) =>
          trace.getSpan(context.active()) ? process(payload) : context.with(extractTraceContext(payload.message.headers), () => process(payload)),
      });
      lag ??= observeConsumerLag(kafka, options.groupId, [...byTopic.keys()], options.logger);
    },
    async stop() {
      stopping.abort(new Error("consumer stopping"));
      await lag?.stop();
      await consumer.disconnect();
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
