import { create, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import type { PoolClient } from "pg";
import { injectTraceHeaders } from "../kafka/trace-headers.ts";
import type { Topic } from "../kafka/topics.ts";
import { assertSchemaName, outboxChannel } from "./schema.ts";

/** What enqueueEvent stores: a protobuf event for one topic and key. */
export interface OutboxEvent<S extends DescMessage> {
  /** The PostgreSQL schema owning the outbox table (the service's schema). */
  schema: string;
  topic: Topic<S>;
  /** The Kafka record key (the video id). */
  key: string;
  message: MessageInitShape<S>;
}

/**
 * Stores an event in `<schema>.outbox` inside the caller's transaction: it is
 * published by the relay if and only if the transaction commits. The event is
 * encoded here, with the active trace context kept for the Kafka headers.
 * Returns the outbox row id.
 */
export async function enqueueEvent<S extends DescMessage>(client: PoolClient, event: OutboxEvent<S>): Promise<number> {
  const schema = assertSchemaName(event.schema);
  const payload = toBinary(event.topic.schema, create(event.topic.schema, event.message));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(injectTraceHeaders())) {
    if (typeof value === "string") headers[name] = value;
    else if (Buffer.isBuffer(value)) headers[name] = value.toString();
  }
  const result = await client.query<{ id: number }>(
    `INSERT INTO ${schema}.outbox (topic, key, payload, headers) VALUES ($1, $2, $3, $4) RETURNING id`,
    [event.topic.name, event.key, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), headers],
  );
  // Delivered at commit only; wakes the relay without waiting for its poll.
  await client.query("SELECT pg_notify($1, '')", [outboxChannel(schema)]);
  const row = result.rows[0];
  if (!row) throw new Error("outbox insert returned no row");
  return Number(row.id);
}
