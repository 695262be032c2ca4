import { setTimeout as sleep } from "node:timers/promises";
import { context } from "@opentelemetry/api";
import type { Pool } from "pg";
import type { EventProducer } from "../kafka/producer.ts";
import { extractTraceContext } from "../kafka/trace-headers.ts";
import type { Logger } from "../logger.ts";
import { assertSchemaName, outboxChannel } from "./schema.ts";

export interface OutboxRelayOptions {
  pool: Pool;
  /** The PostgreSQL schema owning the outbox table. */
  schema: string;
  producer: Pick<EventProducer, "publishEncoded">;
  logger: Logger;
  /** Fallback poll interval when no notification arrives (default 1000 ms). */
  pollMs?: number;
  /** Rows published per transaction (default 100). */
  batchSize?: number;
  /** Longest wait between retries while Kafka is unreachable (default 5000 ms). */
  maxBackoffMs?: number;
  /** Published rows older than this are deleted (default 7 days). */
  retentionMs?: number;
}

/** Publishes a service's outbox to Kafka, in order, at least once. */
export interface OutboxRelay {
  /** Starts the background loop (LISTEN for commits, plus a short poll). */
  start(): void;
  /** Stops the loop after the batch in flight. */
  stop(): Promise<void>;
  /** Publishes what is pending now, once; returns how many rows were published. Throws if Kafka refused. */
  relayOnce(): Promise<number>;
}

interface OutboxRow {
  id: number;
  topic: string;
  key: string;
  payload: Buffer;
  headers: Record<string, string>;
}

/**
 * Creates the relay of a transactional outbox. Each pass takes a transaction-
 * scoped advisory lock (one replica relays at a time, so records keep their
 * commit order per key), locks the oldest unpublished rows FOR UPDATE SKIP
 * LOCKED, publishes them one by one and marks each published. When Kafka
 * refuses a record the rows already sent stay marked, the rest stay pending,
 * and the relay retries with exponential backoff: nothing is lost, and
 * nothing already acknowledged is sent again (short of PostgreSQL failing
 * between Kafka's ack and the commit; consumers dedupe by event_id).
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const schema = assertSchemaName(options.schema);
  const pollMs = options.pollMs ?? 1000;
  const batchSize = options.batchSize ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 5000;
  const retentionMs = options.retentionMs ?? 7 * 24 * 3600 * 1000;
  const log = options.logger.child({ component: "outbox-relay", schema });
  const stopping = new AbortController();
  let wake: (() => void) | undefined;
  let loopDone: Promise<void> | undefined;
  let listenDone: Promise<void> | undefined;
  let lastCleanup = 0;

  const relayOnce = async (): Promise<number> => {
    const client = await options.pool.connect();
    let failure: unknown;
    let published = 0;
    try {
      await client.query("BEGIN");
      const lock = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok", [`outbox-relay:${schema}`]);
      if (!lock.rows[0]?.ok) {
        await client.query("ROLLBACK");
        return 0;
      }
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, topic, key, payload, headers FROM ${schema}.outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      for (const row of rows) {
        try {
          await context.with(extractTraceContext(row.headers), () => options.producer.publishEncoded(row.topic, row.key, row.payload, row.headers));
        } catch (err) {
          failure = err;
          await client.query(`UPDATE ${schema}.outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, [row.id, describe(err)]);
          break;
        }
        await client.query(`UPDATE ${schema}.outbox SET published_at = now(), attempts = attempts + 1 WHERE id = $1`, [row.id]);
        published++;
      }
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error(describe(failure));
    return published;
  };

  const cleanup = async () => {
    if (Date.now() - lastCleanup < 60_000) return;
    lastCleanup = Date.now();
    await options.pool.query(`DELETE FROM ${schema}.outbox WHERE published_at < now() - make_interval(secs => $1)`, [retentionMs / 1000]);
  };

  const listen = async () => {
    while (!stopping.signal.aborted) {
      try {
        const client = await options.pool.connect();
        client.on("notification", () => wake?.());
        const lost = new Promise<void>((resolve) => client.on("error", () => resolve()));
        try {
          await client.query(`LISTEN ${outboxChannel(schema)}`);
          wake?.(); // rows committed while we were not listening
          await Promise.race([lost, untilAborted(stopping.signal)]);
        } finally {
          // Never hand a LISTENing connection back to the pool.
          client.release(true);
        }
      } catch (err) {
        if (!stopping.signal.aborted) log.warn({ err }, "outbox LISTEN connection failed; polling until it is back");
      }
      await sleep(1000, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  };

  const loop = async () => {
    let backoffMs = 0;
    while (!stopping.signal.aborted) {
      let full = false;
      try {
        const count = await relayOnce();
        if (backoffMs > 0) log.info("outbox relay recovered");
        backoffMs = 0;
        full = count === batchSize;
        await cleanup();
      } catch (err) {
        backoffMs = backoffMs === 0 ? Math.min(pollMs, maxBackoffMs) : Math.min(backoffMs * 2, maxBackoffMs);
        log.warn({ err, retryInMs: backoffMs }, "outbox relay could not publish; retrying");
      }
      if (full) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, backoffMs || pollMs);
        function finish() {
          clearTimeout(timer);
          wake = undefined;
          stopping.signal.removeEventListener("abort", finish);
          resolve();
        }
        // While backing off, commits do not cut the wait short.
        wake = backoffMs > 0 ? undefined : finish;
        if (stopping.signal.aborted) finish();
        else stopping.signal.addEventListener("abort", finish, { once: true });
      });
    }
  };

  return {
    start() {
      if (loopDone) return;
      listenDone = listen();
      loopDone = loop();
    },
    async stop() {
      stopping.abort();
      await Promise.all([loopDone, listenDone]);
    },
    relayOnce,
  };
}

/**
 * Resolves once the signal aborts, or at once if it already has: stop() may
 * come while the relay is still connecting, and an "abort" listener added
 * after the event would wait forever.
 */
function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1000);
}
