import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMinioClient, createStreamingMinioClient } from "../../lib/storage/minio.ts";
import { stackEnv, TEST_SERVICE_KEY } from "../../lib/testing/index.ts";
import { createCatalogVideoRegistry } from "./adapters/catalog-video-registry.ts";
import { createMinioSourceStore } from "./adapters/minio-source-store.ts";
import { createPgSessionRepository } from "./adapters/pg-session-repository.ts";
import { createUploadManager, defaultLimits, type SourceStore } from "./domain/index.ts";
import { startUploadHarness, type UploadHarness } from "./testing.ts";

// PutChunk must not hold a database transaction (and the session row's lock)
// while it sends the chunk to MinIO. The real store, wrapped so that, in the
// middle of sending, the test tries to lock the session row without waiting.
const MiB = 1024 * 1024;
const env = stackEnv();
let h: UploadHarness;

beforeAll(async () => {
  h = await startUploadHarness();
});
afterAll(() => h.close());

describe("PutChunk", () => {
  it("sends the chunk with no transaction open on the session", async () => {
    const minio = { endpoint: env.minioEndpoint, accessKey: env.minioAccessKey, secretKey: env.minioSecretKey };
    const real = createMinioSourceStore({ client: createMinioClient(minio), streamingClient: createStreamingMinioClient(minio), bucket: env.minioSourceBucket });
    const lockedDuringSend: string[] = [];
    let uploadId = "";
    const store: SourceStore = {
      ...real,
      bucket: real.bucket,
      async putPart(key, multipartId, partNumber, data) {
        const client = await h.upload.pool.connect();
        try {
          await client.query("BEGIN");
          await client.query("SELECT 1 FROM upload.upload_sessions WHERE id = $1 FOR UPDATE NOWAIT", [uploadId]);
          lockedDuringSend.push("free");
        } catch (err) {
          lockedDuringSend.push((err as { code?: string }).code === "55P03" ? "locked" : String(err));
        } finally {
          await client.query("ROLLBACK");
          client.release();
        }
        return real.putPart(key, multipartId, partNumber, data);
      },
    };
    const manager = createUploadManager({
      sessions: createPgSessionRepository(h.upload.pool),
      store,
      videos: createCatalogVideoRegistry({ address: h.catalogAddress, serviceKey: TEST_SERVICE_KEY }),
      limits: { ...defaultLimits, chunkSizeBytes: 5 * MiB },
    });
    const user = randomUUID();
    const caller = { userId: user, handle: `u${user.slice(0, 8)}` };
    const channelId = await h.channelOf(user);
    const session = await manager.startUpload(caller, `Bearer ${await h.tokenFor(user)}`, { channelId, title: "tx", description: "", contentType: "video/mp4", sizeBytes: 6 * MiB, filename: "t.mp4" });
    uploadId = session.id;
    const first = randomBytes(5 * MiB);
    expect(await manager.putChunk(caller, uploadId, 0, first)).toBe(5 * MiB);
    // The same chunk again (a retry): acknowledged without sending.
    expect(await manager.putChunk(caller, uploadId, 0, first)).toBe(5 * MiB);
    expect(await manager.putChunk(caller, uploadId, 5 * MiB, randomBytes(MiB))).toBe(6 * MiB);
    expect(lockedDuringSend).toEqual(["free", "free"]);
    const finished = await manager.finishUpload(caller, uploadId);
    expect(finished.sizeBytes).toBe(6 * MiB);
    const { rows } = await h.upload.pool.query<{ writing_part: number | null }>("SELECT writing_part FROM upload.upload_sessions WHERE id = $1", [uploadId]);
    expect(rows[0]?.writing_part).toBeNull();
  });

  it("lets only one of two different chunks sent at once to one offset be stored, and the object is that one", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const client = await h.client(user);
    const { session } = await client.startUpload({ metadata: { channelId, title: "race", contentType: "video/mp4", sizeBytes: BigInt(5 * MiB), filename: "r.mp4" } });
    const chunks = [randomBytes(5 * MiB), randomBytes(5 * MiB)];
    const results = await Promise.allSettled(chunks.map((data) => client.putChunk({ uploadId: session!.uploadId, offset: 0n, data })));
    const winners = results.flatMap((result, index) => (result.status === "fulfilled" ? [index] : []));
    expect(winners).toHaveLength(1);
    const loser = results.find((result) => result.status === "rejected") as PromiseRejectedResult;
    expect(String(loser.reason)).toMatch(/aborted|failed_precondition/);
    await client.finishUpload({ uploadId: session!.uploadId });
    const stream = await h.upload.minio.getObject(env.minioSourceBucket, `sources/${session!.videoId}`);
    const parts: Buffer[] = [];
    for await (const part of stream) parts.push(part as Buffer);
    expect(Buffer.concat(parts).equals(chunks[winners[0]!]!)).toBe(true);
  });
});
