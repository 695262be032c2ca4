import { common, loadConfig, z } from "../../lib/config.ts";

/** The catalog service's configuration, parsed once from the environment. */
export const catalogConfigSchema = z.object({
  CATALOG_GRPC_PORT: common.port(50052),
  CATALOG_HOST: common.host,
  DATABASE_URL: common.databaseUrl,
  KAFKA_BROKERS: common.kafkaBrokers,
  KAFKA_TOPIC_PARTITIONS: common.kafkaTopicPartitions,
  IDENTITY_ADDR: z.string().min(1).default("127.0.0.1:50051"),
  /** Credentials the upload service presents to CreateVideo (lib/auth/service-key.ts). */
  INTERNAL_SERVICE_KEYS: common.serviceKeys,
  /** Consumer group for the pipeline's events. */
  CATALOG_KAFKA_GROUP: z.string().min(1).default("xtream-catalog"),
  /** A viewer's view counts once per this many seconds. */
  CATALOG_VIEW_PERIOD_SECONDS: z.coerce.number().int().min(1).default(3600),
  /** Anonymous viewers (ids of the client's choosing) one address may count per video and period. */
  CATALOG_ANON_VIEWERS_PER_ADDRESS: z.coerce.number().int().min(1).max(1000).default(3),
  /** GetVideo cache: entry lifetime and size (0 disables). */
  CATALOG_CACHE_TTL_MS: z.coerce.number().int().min(0).default(5000),
  CATALOG_CACHE_MAX_ENTRIES: z.coerce.number().int().min(0).default(10_000),
  /** A video still UPLOADING this long after creation is failed (default 25 h: the upload service's 24 h sessions plus a margin). */
  CATALOG_ABANDONED_UPLOAD_SECONDS: z.coerce.number().int().min(60).default(25 * 3600),
  /** How often the abandoned-upload reaper looks. */
  CATALOG_REAP_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(300),
  /** WatchVideo streams one caller (account, or address when anonymous) may hold open, per catalog process. */
  CATALOG_WATCH_STREAMS_PER_CALLER: z.coerce.number().int().min(1).default(10),
  /** A WatchVideo stream ends after this many seconds (clients reconnect). */
  CATALOG_WATCH_MAX_SECONDS: z.coerce.number().int().min(1).default(3600),
  CATALOG_DB_POOL_SIZE: z.coerce.number().int().min(2).default(10),
});

/** Parsed catalog configuration. */
export type CatalogConfig = z.infer<typeof catalogConfigSchema>;

/** Reads and checks the catalog's configuration (stops the process naming a bad value). */
export function loadCatalogConfig(env?: Record<string, string | undefined>): CatalogConfig {
  return loadConfig(catalogConfigSchema, env);
}
