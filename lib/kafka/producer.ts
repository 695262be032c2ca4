import { create, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { Kafka, logLevel, type IHeaders, type Producer } from "kafkajs";
import type { Topic } from "./topics.ts";
import { ensureTopics } from "./topics-admin.ts";
import { injectTraceHeaders } from "./trace-headers.ts";

/** Header naming the protobuf message a record carries; a consumer refuses a record of another type. */
export const EVENT_TYPE_HEADER = "xtream-event-type";

export interface EventProducerOptions {
  brokers: string[];
  clientId: string;
  /** How long a send may keep retrying before it fails (for example while Kafka is down). */
  sendTimeoutMs?: number;
  /** Partitions of a topic this producer is the first to write (created explicitly, not by the broker's default). */
  partitions?: number;
}

/** Publishes protobuf events; the trace context travels in the headers. */
export interface EventProducer {
  connect(): Promise<void>;
  publish<S extends DescMessage>(topic: Topic<S>, key: string, event: MessageInitShape<S>, headers?: IHeaders): Promise<void>;
  /** Publishes bytes already encoded (the outbox relay stores encoded events). */
  publishEncoded(topicName: string, key: string, value: Uint8Array, headers?: IHeaders): Promise<void>;
  disconnect(): Promise<void>;
}

/** Creates an idempotent producer (acks from all in-sync replicas, no duplicates on retry). */
export function createEventProducer(options: EventProducerOptions): EventProducer {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    connectionTimeout: 3000,
    requestTimeout: options.sendTimeoutMs ?? 10_000,
  });
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
  let connected: Promise<void> | undefined;

  const ensureConnected = () => {
    connected ??= producer.connect().catch((err: unknown) => {
      connected = undefined;
      throw err;
    });
    return connected;
  };

  // Each topic is created once per process, with the configured partitions, before its first record.
  const created = new Map<string, Promise<void>>();
  const ensureTopic = (topicName: string) => {
    if (!options.partitions) return Promise.resolve();
    let pending = created.get(topicName);
    if (!pending) {
      pending = ensureTopics(kafka, [topicName], options.partitions).catch((err: unknown) => {
        created.delete(topicName);
        throw err;
      });
      created.set(topicName, pending);
    }
    return pending;
  };

  const send = async (topicName: string, key: string, value: Buffer, headers?: IHeaders) => {
    await ensureConnected();
    await ensureTopic(topicName);
    await producer.send({ topic: topicName, acks: -1, messages: [{ key, value, headers: injectTraceHeaders(headers) }] });
  };

  return {
    connect: ensureConnected,
    async publish(topic, key, event, headers) {
      const bytes = toBinary(topic.schema, create(topic.schema, event));
      await send(topic.name, key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { [EVENT_TYPE_HEADER]: topic.schema.typeName, ...headers });
    },
    async publishEncoded(topicName, key, value, headers) {
      await send(topicName, key, Buffer.from(value.buffer, value.byteOffset, value.byteLength), headers);
    },
    async disconnect() {
      if (connected) await producer.disconnect().catch(() => undefined);
      connected = undefined;
    },
  };
}
