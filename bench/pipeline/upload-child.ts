/**
 * The upload service (with a catalog to create videos in) in its own
 * process, so the benchmark can read its peak memory: starts both on port 0
 * against a throwaway database, creates a channel, and prints one JSON line
 * { port, token, channelId, pid }. Stops on SIGTERM.
 * With `--no-events` its outbox relay is stopped: the throughput and memory
 * uploads are synthetic bytes, and announcing them would have the stack's
 * transcoder fetch and reject each one while later measurements run. Their
 * events stay in the throwaway database.
 */
import { randomUUID } from "node:crypto";
import { ChannelService } from "../../gen/xtream/catalog/v1/channel_service_pb.js";
import { createServiceClient, forwardAuthorization } from "../../lib/grpc/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { createTestDatabase, createTestTokens, stackEnv, TEST_SERVICE_KEY } from "../../lib/testing/index.ts";
import { startCatalog } from "../../services/catalog/runtime.ts";
import { startUpload } from "../../services/upload/runtime.ts";

const env = stackEnv();
const logger = createLogger("bench-upload", "silent");
const database = await createTestDatabase("bench_upload");
const tokens = await createTestTokens();
// The catalog serves RPCs only here (no Kafka): the bench measures uploads.
const catalog = await startCatalog({ port: 0, databaseUrl: database.url, poolSize: 4, verifier: tokens.verifier, serviceKeys: [TEST_SERVICE_KEY], logger });
const upload = await startUpload({
  port: 0,
  databaseUrl: database.url,
  minio: { endpoint: env.minioEndpoint, accessKey: env.minioAccessKey, secretKey: env.minioSecretKey },
  sourceBucket: env.minioSourceBucket,
  mediaBucket: env.minioMediaBucket,
  // Deletions are not the bench's business (and must not touch the stack's videos).
  purge: { groupId: `bench-upload-purge-${randomUUID()}`, accept: () => false },
  kafkaBrokers: env.kafkaBrokers,
  catalog: { address: catalog.address, serviceKey: TEST_SERVICE_KEY },
  verifier: tokens.verifier,
  logger,
  outboxPollMs: 100,
});
if (process.argv.includes("--no-events")) await upload.relay.stop();
const userId = randomUUID();
const token = await tokens.tokenFor({ userId, handle: `bench${userId.slice(0, 8)}` });
const channels = createServiceClient(ChannelService, {
  address: catalog.address,
  interceptors: [forwardAuthorization(`Bearer ${token}`)],
});
const { channel } = await channels.createChannel({ handle: `b${randomUUID().replace(/-/g, "").slice(0, 20)}`, title: "Bench channel" });
console.log(JSON.stringify({ port: upload.port, token, channelId: channel?.id ?? "", pid: process.pid }));

const stop = async () => {
  await upload.stop(1000);
  await catalog.stop(1000);
  await database.drop();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
