import type { TokenVerifier } from "../../lib/auth/index.ts";
import { createPgPool, type Pool } from "../../lib/db/index.ts";
import { createEventProducer, type EventConsumer, type EventProducer } from "../../lib/kafka/index.ts";
import type { Logger } from "../../lib/logger.ts";
import { createOutboxRelay, type OutboxRelay } from "../../lib/outbox/index.ts";
import { dialAddress, keepRetrying, type RetryLoop } from "../../lib/process/index.ts";
import { createChannelStore } from "./adapters/channel-store.ts";
import { createVideoStore } from "./adapters/video-store.ts";
import { createCatalogEventConsumer, type CatalogEventConsumerOptions } from "./events/event-consumer.ts";
import { createAbandonedUploadReaper, type AbandonedUploadReaper } from "./jobs/reap-abandoned-uploads.ts";
import { CATALOG_SCHEMA, migrateCatalog } from "./migrations/migrate.ts";
import { createCatalogServer, type CatalogServerOptions } from "./server.ts";

export interface StartCatalogOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  databaseUrl: string;
  /** PostgreSQL connections (default 10). */
  poolSize?: number;
  verifier: TokenVerifier;
  /** Credentials of the services allowed to call internal RPCs (CreateVideo: the upload service). */
  serviceKeys: readonly string[];
  logger: Logger;
  /**
   * Kafka: the pipeline's events in (video status), the outbox out
   * (video.deleted, video.visibility). Without it the catalog serves RPCs
   * only, as tests of its RPCs want; main.ts always gives it.
   */
  kafka?: {
    brokers: string[];
    /** "xtream-catalog" in production; tests use a fresh group. */
    groupId: string;
    /** Partitions of the topics the consumer or relay create when they do not exist yet. */
    partitions?: number;
    /** Client id of the consumer (default "catalog"). */
    clientId?: string;
    /** How often the outbox relay looks for rows (default 1 s). */
    outboxPollMs?: number;
    /** Longest wait between two tries of an event while PostgreSQL or Kafka is down (default 30 s). */
    maxBackoffMs?: number;
    /** Called after an event was applied (tests wait on it). */
    onApplied?: CatalogEventConsumerOptions["onApplied"];
  };
  /** Fails videos whose upload was abandoned; off when omitted. */
  reaper?: { abandonAfterMs: number; intervalMs: number };
  /** Tuning of the gRPC server (caches, views, WatchVideo limits, health). */
  server?: Omit<CatalogServerOptions, "pool" | "verifier" | "serviceKeys" | "logger" | "consumer">;
}

/** A running catalog: its gRPC server, and with Kafka its event consumer and outbox relay. */
export interface RunningCatalog {
  port: number;
  /** host:port to dial. */
  address: string;
  pool: Pool;
  /** The pipeline's events; started in the background (Kafka may come up later). Undefined without Kafka. */
  consumer: EventConsumer | undefined;
  /** Resolves true once the consumer has joined its group (false when stopped first, or without Kafka). */
  consumerStarted: Promise<boolean>;
  /** Stops serving (draining calls), then the consumer, relay and reaper, then closes clients. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts everything the catalog runs — migrations, the gRPC server, the
 * event consumer, the outbox relay and the abandoned-upload reaper — from
 * plain options, so main.ts, tests and benchmarks start it the same way.
 */
export async function startCatalog(options: StartCatalogOptions): Promise<RunningCatalog> {
  const { logger } = options;
  const pool = createPgPool(options.databaseUrl, options.poolSize ?? 10, logger);
  let applied: string[];
  try {
    applied = await migrateCatalog(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  if (applied.length > 0) logger.info({ applied }, "migrations applied");

  const videos = createVideoStore({ pool });
  const kafka = options.kafka;
  let producer: EventProducer | undefined;
  let consumer: EventConsumer | undefined;
  let relay: OutboxRelay | undefined;
  if (kafka) {
    const partitions = kafka.partitions ? { partitions: kafka.partitions } : {};
    producer = createEventProducer({ brokers: kafka.brokers, clientId: "catalog", ...partitions });
    consumer = createCatalogEventConsumer({
      videos,
      channels: createChannelStore({ pool }),
      brokers: kafka.brokers,
      groupId: kafka.groupId,
      logger,
      producer,
      ...partitions,
      ...(kafka.clientId ? { clientId: kafka.clientId } : {}),
      ...(kafka.maxBackoffMs ? { maxBackoffMs: kafka.maxBackoffMs } : {}),
      ...(kafka.onApplied ? { onApplied: kafka.onApplied } : {}),
    });
    relay = createOutboxRelay({ pool, schema: CATALOG_SCHEMA, producer, logger, pollMs: kafka.outboxPollMs ?? 1000 });
  }

  const server = createCatalogServer({
    ...options.server,
    pool,
    verifier: options.verifier,
    serviceKeys: options.serviceKeys,
    logger,
    ...(consumer ? { consumer } : {}),
  });
  const host = options.host ?? "127.0.0.1";
  let port: number;
  try {
    port = await server.listen(host, options.port);
  } catch (err) {
    await server.shutdown(0);
    await producer?.disconnect();
    await pool.end();
    throw err;
  }

  relay?.start();
  let reaper: AbandonedUploadReaper | undefined;
  if (options.reaper) {
    reaper = createAbandonedUploadReaper({ videos, logger, ...options.reaper });
    reaper.start();
  }
  // Kafka may come up after us: keep trying in the background (lib/process backoff), serving meanwhile.
  const consumerLoop: RetryLoop | undefined = consumer && keepRetrying(() => consumer.start(), { what: "event consumer", logger });

  return {
    port,
    address: dialAddress(host, port),
    pool,
    consumer,
    consumerStarted: consumerLoop?.started ?? Promise.resolve(false),
    async stop(graceMs = 10_000) {
      await server.shutdown(graceMs);
      await consumerLoop?.stop();
      await Promise.all([
        reaper?.stop(),
        relay?.stop(),
        consumer?.stop().catch((err: unknown) => logger.warn({ err }, "consumer stop failed")),
      ]);
      await producer?.disconnect();
      await pool.end();
    },
  };
}
