import { inTransaction, type Pool } from "../../../lib/db/index.ts";
import type { EventProducer } from "../../../lib/kafka/index.ts";
import type { Logger } from "../../../lib/logger.ts";

export interface OutboxRelayOptions {
  pool: Pool;
  producer: EventProducer;
  logger: Logger;
  /** How often to look for events when not woken by a NOTIFY (default 500 ms). */
  intervalMs?: number;
  /** Events published per transaction (default 100). */
  batchSize?: number;
}

/** Publishes catalog.outbox rows to Kafka, in order, deleting each batch once Kafka acknowledged it. */
export interface OutboxRelay {
  start(): void;
  /** Publishes whatever is pending now; resolves with how many were sent. */
  flush(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Creates the catalog's outbox relay. Rows are locked FOR UPDATE SKIP LOCKED,
 * so several replicas can relay without sending a row twice; if Kafka is down
 * the transaction rolls back and the rows wait for the next round (at-least-
 * once: a crash between the Kafka ack and the commit resends, and consumers
 * drop duplicates by event id).
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { pool, producer, logger } = options;
  const batchSize = options.batchSize ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;

  const sendBatch = () =>
    inTransaction(pool, async (client) => {
      const { rows } = await client.query<{ id: number; topic: string; event_key: string; payload: Buffer }>(
        "SELECT id, topic, event_key, payload FROM catalog.outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
        [batchSize],
      );
      for (const row of rows) await producer.publishEncoded(row.topic, row.event_key, row.payload);
      if (rows.length > 0) await client.query("DELETE FROM catalog.outbox WHERE id = ANY($1::bigint[])", [rows.map((row) => row.id)]);
      return rows.length;
    });

  const flush = async (): Promise<number> => {
    if (running) return running;
    running = (async () => {
      let total = 0;
      for (;;) {
        const sent = await sendBatch();
        total += sent;
        if (sent < batchSize) return total;
      }
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const tick = () => {
    flush()
      .catch((err: unknown) => logger.warn({ err }, "outbox relay round failed; retrying"))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, options.intervalMs ?? 500);
      });
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      tick();
    },
    flush,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
