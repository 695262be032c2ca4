import { identityTokenVerifier } from "../../lib/auth/index.ts";
import { createPgPool } from "../../lib/db/index.ts";
import { createEventProducer } from "../../lib/kafka/index.ts";
import { createOutboxRelay } from "../../lib/outbox/index.ts";
import { runService } from "../../lib/process/index.ts";
import { loadCatalogConfig } from "./config.ts";
import { createVideoStore } from "./adapters/video-store.ts";
import { createAbandonedUploadReaper } from "./jobs/reap-abandoned-uploads.ts";
import { createCatalogEventConsumer } from "./jobs/event-consumer.ts";
import { createCatalogServer, migrateCatalog } from "./server.ts";

// The catalog: channels, video metadata and status, playlists, search.
runService({
  name: "catalog",
  async start(logger) {
    const config = loadCatalogConfig();
    const pool = createPgPool(config.DATABASE_URL, config.CATALOG_DB_POOL_SIZE, logger);
    const applied = await migrateCatalog(pool);
    if (applied.length > 0) logger.info({ applied }, "migrations applied");

    const verifier = identityTokenVerifier(config.IDENTITY_ADDR);
    const producer = createEventProducer({ brokers: config.KAFKA_BROKERS, clientId: "catalog", partitions: config.KAFKA_TOPIC_PARTITIONS });
    const consumer = createCatalogEventConsumer({
      pool,
      brokers: config.KAFKA_BROKERS,
      groupId: config.CATALOG_KAFKA_GROUP,
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      logger,
      producer,
    });
    const server = createCatalogServer({
      consumer,
      pool,
      verifier,
      serviceKeys: config.INTERNAL_SERVICE_KEYS,
      logger,
      viewPeriodMs: config.CATALOG_VIEW_PERIOD_SECONDS * 1000,
      anonViewersPerAddress: config.CATALOG_ANON_VIEWERS_PER_ADDRESS,
      cacheTtlMs: config.CATALOG_CACHE_TTL_MS,
      cacheMaxEntries: config.CATALOG_CACHE_MAX_ENTRIES,
      watchStreamsPerCaller: config.CATALOG_WATCH_STREAMS_PER_CALLER,
      watchMaxLifetimeMs: config.CATALOG_WATCH_MAX_SECONDS * 1000,
    });
    const port = await server.listen(config.CATALOG_HOST, config.CATALOG_GRPC_PORT);
    logger.info({ port }, "catalog listening");

    const relay = createOutboxRelay({ pool, schema: "catalog", producer, logger });
    relay.start();
    const reaper = createAbandonedUploadReaper({
      videos: createVideoStore({ pool }),
      logger,
      abandonAfterMs: config.CATALOG_ABANDONED_UPLOAD_SECONDS * 1000,
      intervalMs: config.CATALOG_REAP_INTERVAL_SECONDS * 1000,
    });
    reaper.start();
    // Kafka may come up after us: keep trying in the background, serving meanwhile.
    const startConsumer = async (): Promise<void> => {
      try {
        await consumer.start();
      } catch (err) {
        logger.warn({ err }, "event consumer failed to start; retrying in 5 s");
        await new Promise((resolve) => setTimeout(resolve, 5000));
        return startConsumer();
      }
    };
    void startConsumer();

    return {
      async stop() {
        await server.shutdown(10_000);
        await reaper.stop();
        await consumer.stop().catch((err: unknown) => logger.warn({ err }, "consumer stop failed"));
        await relay.stop();
        await producer.disconnect();
        await pool.end();
      },
    };
  },
});
