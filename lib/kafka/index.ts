/** Kafka: topics, a protobuf event producer, and a consumer-group worker over a typed handler registry. */
export { topics } from "./topics.ts";
export type { Topic } from "./topics.ts";
export { createEventProducer, EVENT_TYPE_HEADER } from "./producer.ts";
export type { EventProducer, EventProducerOptions } from "./producer.ts";
export { createEventConsumer, eventHandler, DEAD_LETTER_HEADERS } from "./consumer.ts";
export { classifyError, InfrastructureError, PermanentError } from "./error-class.ts";
export type { ErrorClass } from "./error-class.ts";
export { createDeliveryTracker, parseDeliveryMetadata } from "./delivery-count.ts";
export type { DeliveryTracker } from "./delivery-count.ts";
export type { EventConsumer, EventConsumerOptions, EventHandler, EventMeta } from "./consumer.ts";
export { injectTraceHeaders, extractTraceContext } from "./trace-headers.ts";
export { ensureTopics } from "./topics-admin.ts";
