import { UploadService } from "../../gen/xtream/upload/v1/upload_service_pb.js";
import type { TokenVerifier } from "../../lib/auth/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { createGrpcServer, registerService, type GrpcServer } from "../../lib/grpc/index.ts";
import type { Logger } from "../../lib/logger.ts";
import type { MinioClient } from "../../lib/storage/minio.ts";
import { createMinioSourceStore } from "./adapters/minio-source-store.ts";
import { createPgSessionRepository } from "./adapters/pg-session-repository.ts";
import { createUploadManager, defaultLimits, type UploadLimits, type UploadManager, type VideoRegistry } from "./domain/index.ts";
import { createUploadHandlers } from "./rpc/upload-handlers.ts";

export interface UploadServerOptions {
  /** PostgreSQL pool; run migrateUpload(pool) (migrations/migrate.ts) once before serving. */
  pool: Pool;
  minio: MinioClient;
  /** From createStreamingMinioClient, for client-streamed uploads. */
  streamingMinio: MinioClient;
  /** The bucket sources go to (xtream-sources); it must exist. */
  sourceBucket: string;
  /** Creates the video in the catalog (createCatalogVideoRegistry in production). */
  videos: VideoRegistry;
  /** Verifies access tokens (jwksFromIdentity in production, createTestTokens in tests). */
  verifier: TokenVerifier;
  logger: Logger;
  /** Overrides of the default limits (10 GiB, video/* and application/octet-stream, 8 MiB chunks, 24 h). */
  limits?: Partial<UploadLimits>;
  now?: () => Date;
}

/** The built server and the use cases behind it (for jobs and tests). */
export interface UploadServer extends GrpcServer {
  readonly manager: UploadManager;
}

/** Builds (without listening) the upload service's gRPC server. */
export function createUploadServer(options: UploadServerOptions): UploadServer {
  const limits = { ...defaultLimits, ...options.limits };
  const manager = createUploadManager({
    sessions: createPgSessionRepository(options.pool),
    store: createMinioSourceStore({ client: options.minio, streamingClient: options.streamingMinio, bucket: options.sourceBucket }),
    videos: options.videos,
    limits,
    ...(options.now ? { now: options.now } : {}),
  });
  const server = createGrpcServer({
    services: [registerService(UploadService, createUploadHandlers({ manager, verifier: options.verifier }))],
    logger: options.logger,
    // A streamed message carries at most 4 MiB, a resumable chunk at most 16 MiB.
    maxMessageBytes: 17 * 1024 * 1024,
    readiness: async () => {
      await options.pool.query("SELECT 1");
      return options.minio.bucketExists(options.sourceBucket);
    },
  });
  return Object.assign(server, { manager });
}
