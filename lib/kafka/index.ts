/** Kafka: topics, a protobuf event producer, and a consumer-group worker over a typed handler registry. */
export { topics } from "./topics.ts";
export type { Topic } from "./topics.ts";
export { createEventProducer } from "./producer.ts";
export type { EventProducer, EventProducerOptions } from "./producer.ts";
export { createEventConsumer, eventHandler, PermanentError } from "./consumer.ts";
export type { EventConsumer, EventConsumerOptions, EventHandler, EventMeta } from "./consumer.ts";
export { injectTraceHeaders, extractTraceContext } from "./trace-headers.ts";
export { ensureTopics } from "./topics-admin.ts";
