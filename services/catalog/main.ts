import { identityTokenVerifier } from "../../lib/auth/index.ts";
import { runService } from "../../lib/process/index.ts";
import { loadCatalogConfig } from "./config.ts";
import { startCatalog } from "./runtime.ts";

// The catalog: channels, video metadata and status, playlists, search.
runService({
  name: "catalog",
  async start(logger) {
    const config = loadCatalogConfig();
    const catalog = await startCatalog({
      host: config.CATALOG_HOST,
      port: config.CATALOG_GRPC_PORT,
      databaseUrl: config.DATABASE_URL,
      poolSize: config.CATALOG_DB_POOL_SIZE,
      verifier: identityTokenVerifier(config.IDENTITY_ADDR),
      serviceKeys: config.INTERNAL_SERVICE_KEYS,
      logger,
      kafka: { brokers: config.KAFKA_BROKERS, groupId: config.CATALOG_KAFKA_GROUP, partitions: config.KAFKA_TOPIC_PARTITIONS },
      reaper: {
        abandonAfterMs: config.CATALOG_ABANDONED_UPLOAD_SECONDS * 1000,
        intervalMs: config.CATALOG_REAP_INTERVAL_SECONDS * 1000,
      },
      server: {
        viewPeriodMs: config.CATALOG_VIEW_PERIOD_SECONDS * 1000,
        anonViewersPerAddress: config.CATALOG_ANON_VIEWERS_PER_ADDRESS,
        cacheTtlMs: config.CATALOG_CACHE_TTL_MS,
        cacheMaxEntries: config.CATALOG_CACHE_MAX_ENTRIES,
        watchStreamsPerCaller: config.CATALOG_WATCH_STREAMS_PER_CALLER,
        watchMaxLifetimeMs: config.CATALOG_WATCH_MAX_SECONDS * 1000,
      },
    });
    logger.info({ port: catalog.port }, "catalog listening");
    return { stop: () => catalog.stop() };
  },
});
