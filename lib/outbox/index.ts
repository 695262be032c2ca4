/** A transactional outbox: events stored with the state change that caused them, relayed to Kafka. */
export { enqueueEvent } from "./enqueue.ts";
export type { OutboxEvent } from "./enqueue.ts";
export { createOutboxRelay } from "./relay.ts";
export type { OutboxRelay, OutboxRelayOptions } from "./relay.ts";
export { migrateOutbox, outboxTableSql, outboxChannel } from "./schema.ts";
