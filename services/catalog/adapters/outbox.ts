import { create, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import type { Topic } from "../../../lib/kafka/index.ts";
import type { Queryable } from "./rows.ts";

/**
 * Writes an event into catalog.outbox inside the caller's transaction, so the
 * event exists exactly when the change that caused it committed. The outbox
 * relay (jobs/outbox-relay.ts) publishes it to Kafka.
 *
 * (A catalog-local outbox: no shared lib/outbox existed when this was written.)
 */
export async function enqueueEvent<S extends DescMessage>(client: Queryable, topic: Topic<S>, key: string, event: MessageInitShape<S>): Promise<void> {
  const payload = toBinary(topic.schema, create(topic.schema, event));
  await client.query("INSERT INTO catalog.outbox (topic, event_key, payload) VALUES ($1, $2, $3)", [topic.name, key, Buffer.from(payload)]);
  await client.query("SELECT pg_notify('catalog_outbox', '')");
}
