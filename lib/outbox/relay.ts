import { setTimeout as sleep } from "node:timers/promises";
import type { Pool } from "pg";
import { classifyError } from "../kafka/error-class.ts";

/**
 * True when the broker answered and refused this record for good (a
 * non-retriable protocol error such as INVALID_TOPIC_EXCEPTION or
 * MESSAGE_TOO_LARGE), and no outage is involved: only such rows are ever
 * quarantined, so Kafka being away never costs an event.
 */
function refusedByKafka(error: unknown): boolean {
  if (classifyError(error) === "infrastructure") return false;
  for (let each: unknown = error, depth = 0; each instanceof Error && depth < 8; each = each.cause, depth++) {
    const { retriable } = each as Error & { retriable?: unknown };
    if (each.name === "KafkaJSProtocolError" && retriable === false) return true;
  }
  return false;
}
import type { EventProducer } from "../kafka/producer.ts";
import { extractTraceContext } from "../kafka/trace-headers.ts";
import type { Logger } from "../logger.ts";
import { metricsExported, serviceMeter } from "../telemetry/metrics.ts";
import { ATTR_VIDEO_ID, inSpan } from "../telemetry/spans.ts";
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
  /**
   * Refusals of one row, for a reason that is not an outage (a record too large, a bad topic
   * name), before it is quarantined and the rows behind it go on (default 5).
   */
  maxAttempts?: number;
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
  created_at: Date;
  attempts: number;
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
 * A row the broker keeps refusing for good (refusedByKafka: a non-retriable
 * protocol error, never an outage) is quarantined after maxAttempts refusals
 * (`quarantined_at` and `last_error` set, an error logged) and the rows
 * behind it go on; quarantined rows stay in the table for an operator.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const schema = assertSchemaName(options.schema);
  const pollMs = options.pollMs ?? 1000;
  const batchSize = options.batchSize ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 5000;
  const retentionMs = options.retentionMs ?? 7 * 24 * 3600 * 1000;
  const maxAttempts = options.maxAttempts ?? 5;
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
        `SELECT id, topic, key, payload, headers, created_at, attempts FROM ${schema}.outbox WHERE published_at IS NULL AND quarantined_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      for (const row of rows) {
        try {
          // In the trace of the transaction that stored the event (its context is in the row):
          // "outbox.relay <topic>" shows how long the event waited, its child "send <topic>" the Kafka hop.
          const attributes = {
            [ATTR_VIDEO_ID]: row.key,
            "messaging.destination.name": row.topic,
            "outbox.schema": schema,
            "outbox.row_id": Number(row.id),
            "outbox.wait_ms": Math.max(0, Date.now() - row.created_at.getTime()),
          };
          await inSpan(`outbox.relay ${row.topic}`, attributes, () => options.producer.publishEncoded(row.topic, row.key, row.payload, row.headers), {
            parent: extractTraceContext(row.headers),
          });
        } catch (err) {
          if (refusedByKafka(err) && row.attempts + 1 >= maxAttempts) {
            await client.query(`UPDATE ${schema}.outbox SET attempts = attempts + 1, last_error = $2, quarantined_at = now() WHERE id = $1`, [row.id, describe(err)]);
            log.error({ err, id: Number(row.id), topic: row.topic, key: row.key, attempts: row.attempts + 1 }, "outbox row quarantined: Kafka keeps refusing it; the rows behind it go on");
            continue;
          }
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

  const backlog = observeBacklog(options.pool, schema, log);
  return {
    start() {
      if (loopDone) return;
      backlog.start();
      listenDone = listen();
      loopDone = loop();
    },
    async stop() {
      stopping.abort();
      backlog.stop();
      await Promise.all([loopDone, listenDone]);
    },
    relayOnce,
  };
}

/**
 * The gauges `xtream.outbox.pending` (rows not yet published) and
 * `xtream.outbox.oldest_pending_age` (seconds the oldest of them has waited),
 * per schema, refreshed every 10 s while the relay runs (only when metrics
 * are exported): a growing backlog means Kafka is refusing or the relay is stuck.
 */
function observeBacklog(pool: Pool, schema: string, log: Logger): { start(): void; stop(): void } {
  if (!metricsExported()) return { start: () => undefined, stop: () => undefined };
  const meter = serviceMeter("outbox");
  const pending = meter.createObservableGauge("xtream.outbox.pending", { description: "Outbox rows not yet published to Kafka" });
  const oldest = meter.createObservableGauge("xtream.outbox.oldest_pending_age", { unit: "s", description: "Age of the oldest unpublished outbox row" });
  let last: { count: number; age: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const refresh = () =>
    void pool
      .query<{ count: number; age: number | null }>(
        `SELECT count(*)::int AS count, extract(epoch FROM now() - min(created_at))::float8 AS age FROM ${schema}.outbox WHERE published_at IS NULL AND quarantined_at IS NULL`,
      )
      .then(
        ({ rows }) => (last = { count: rows[0]?.count ?? 0, age: rows[0]?.age ?? 0 }),
        (err: unknown) => log.debug({ err }, "could not count the outbox backlog"),
      );
  const observePending = (result: { observe(value: number, attributes: Record<string, string>): void }) => {
    if (last) result.observe(last.count, { schema });
  };
  const observeOldest = (result: { observe(value: number, attributes: Record<string, string>): void }) => {
    if (last) result.observe(last.age, { schema });
  };
  return {
    start() {
      refresh();
      timer = setInterval(refresh, 10_000);
      timer.unref();
      pending.addCallback(observePending);
      oldest.addCallback(observeOldest);
    },
    stop() {
      clearInterval(timer);
      pending.removeCallback(observePending);
      oldest.removeCallback(observeOldest);
    },
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
