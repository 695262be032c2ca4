import { randomUUID } from "node:crypto";
import type { Client } from "@connectrpc/connect";
import { ChannelService } from "../../gen/xtream/catalog/v1/channel_service_pb.js";
import type { VideoService } from "../../gen/xtream/catalog/v1/video_service_pb.js";
import type { VideoUploadedSchema } from "../../gen/xtream/events/v1/video_events_pb.js";
import { UploadService } from "../../gen/xtream/upload/v1/upload_service_pb.js";
import type { Pool } from "../../lib/db/index.ts";
import { createServiceClient, forwardAuthorization } from "../../lib/grpc/index.ts";
import { topics } from "../../lib/kafka/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { collectEvents, createTestDatabase, createTestTokens, stackEnv, TEST_SERVICE_KEY, type CollectedRecord, type TestDatabase } from "../../lib/testing/index.ts";
import { startCatalog, type RunningCatalog } from "../catalog/runtime.ts";
import type { UploadLimits } from "./domain/index.ts";
import { startUpload, type RunningUpload, type StartUploadOptions } from "./runtime.ts";

/** A received video.uploaded record. */
export type ReceivedUploaded = CollectedRecord<typeof VideoUploadedSchema>;

/** The upload service on port 0 with a real catalog server, a throwaway database, and a video.uploaded reader. */
export interface UploadHarness {
  upload: RunningUpload;
  /** The catalog, with its event consumer (a fresh group, started in the background) and outbox relay. */
  catalog: RunningCatalog;
  catalogPool: Pool;
  /** host:port of the catalog server. */
  catalogAddress: string;
  /** Issues access tokens the services accept. */
  tokenFor(userId: string): Promise<string>;
  /** video.uploaded records of a video (its id is the key), undefined before the first. */
  uploaded: { get(videoId: string): ReceivedUploaded[] | undefined };
  /** Stops the upload service and starts a new one on the same database (a new port). */
  restartUpload(): Promise<void>;
  /** An UploadService client calling as userId (anonymous when omitted). */
  client(userId?: string): Promise<Client<typeof UploadService>>;
  /** A catalog client (ChannelService or VideoService) calling as userId. */
  catalogClient<S extends typeof ChannelService | typeof VideoService>(service: S, userId: string): Promise<Client<S>>;
  /** A channel owned by userId, created through the catalog. */
  channelOf(userId: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts catalog + upload in-process against the real PostgreSQL, MinIO and Kafka. */
export async function startUploadHarness(limits: Partial<UploadLimits> = {}, overrides: { sourceBucket?: string; deleteGraceMs?: number } = {}): Promise<UploadHarness> {
  const env = stackEnv();
  const logger = createLogger("upload-test", "silent");
  const database: TestDatabase = await createTestDatabase("upload");
  const tokens = await createTestTokens();
  // The catalog as in production: its events in, its outbox (video.deleted) out through Kafka.
  const catalog = await startCatalog({
    port: 0,
    databaseUrl: database.url,
    poolSize: 6,
    verifier: tokens.verifier,
    serviceKeys: [TEST_SERVICE_KEY],
    logger,
    kafka: { brokers: env.kafkaBrokers, groupId: `upload-test-catalog-${randomUUID()}`, clientId: "upload-test-catalog", outboxPollMs: 200 },
  });
  const catalogPool = catalog.pool;
  // video.deleted is shared with the running stack: take only this database's videos.
  const ownVideo = async (videoId: string) => ((await catalogPool.query("SELECT 1 FROM catalog.videos WHERE id::text = $1", [videoId])).rowCount ?? 0) > 0;
  const options: StartUploadOptions = {
    port: 0,
    databaseUrl: database.url,
    minio: { endpoint: env.minioEndpoint, accessKey: env.minioAccessKey, secretKey: env.minioSecretKey },
    sourceBucket: overrides.sourceBucket ?? env.minioSourceBucket,
    mediaBucket: env.minioMediaBucket,
    // Passes are run by the tests (upload.purge.runOnce()).
    purge: { graceMs: overrides.deleteGraceMs ?? 0, intervalMs: 3_600_000, groupId: `upload-test-purge-${randomUUID()}`, accept: ownVideo },
    kafkaBrokers: env.kafkaBrokers,
    catalog: { address: catalog.address, serviceKey: TEST_SERVICE_KEY },
    verifier: tokens.verifier,
    logger,
    limits: { chunkSizeBytes: 5 * 1024 * 1024, streamPartSizeBytes: 5 * 1024 * 1024, ...limits },
    outboxPollMs: 200,
  };
  let upload = await startUpload(options);

  const collector = await collectEvents(env.kafkaBrokers, [topics.videoUploaded]);
  const uploaded = {
    get(videoId: string) {
      const records = collector.records(topics.videoUploaded, videoId);
      return records.length > 0 ? records : undefined;
    },
  };
  const clientFor = async <S extends typeof UploadService | typeof ChannelService | typeof VideoService>(service: S, address: string, userId?: string) => {
    const token = userId ? await tokens.tokenFor({ userId, handle: `u${userId.slice(0, 8)}` }) : undefined;
    return createServiceClient(service, {
      address,
      interceptors: [forwardAuthorization(token && `Bearer ${token}`)],
    });
  };

  return {
    get upload() {
      return upload;
    },
    async restartUpload() {
      await upload.stop(1000);
      upload = await startUpload(options);
    },
    catalog,
    catalogPool,
    catalogAddress: catalog.address,
    tokenFor: (userId) => tokens.tokenFor({ userId, handle: `u${userId.slice(0, 8)}` }),
    uploaded,
    client: (userId) => clientFor(UploadService, `127.0.0.1:${upload.port}`, userId),
    catalogClient: (service, userId) => clientFor(service, catalog.address, userId),
    async channelOf(userId) {
      const channels = await clientFor(ChannelService, catalog.address, userId);
      const handle = `c${randomUUID().replace(/-/g, "").slice(0, 20)}`;
      const { channel } = await channels.createChannel({ handle, title: "Test channel" });
      if (!channel) throw new Error("no channel");
      return channel.id;
    },
    async close() {
      await collector.stop();
      await upload.stop(1000);
      await catalog.stop(1000);
      await database.drop();
    },
  };
}
