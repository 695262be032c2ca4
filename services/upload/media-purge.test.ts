// Deleting a video (or a channel with its videos) removes its source and
// every published object from MinIO once the grace period is over, driven by
// video.deleted from the catalog's outbox through real Kafka; idempotent and
// resumable. Published objects are put where the transcoder puts them.
import { randomBytes, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelService } from "../../gen/xtream/catalog/v1/channel_service_pb.js";
import { VideoService } from "../../gen/xtream/catalog/v1/video_service_pb.js";
import { createEventProducer, topics } from "../../lib/kafka/index.ts";
import { mediaPrefix, tombstoneKey } from "../../lib/storage/media-keys.ts";
import { stackEnv } from "../../lib/testing/index.ts";
import { createPgPurgeQueue } from "./adapters/pg-purge-queue.ts";
import { startUploadHarness, type UploadHarness } from "./testing.ts";

const MiB = 1024 * 1024;
const env = stackEnv();
let h: UploadHarness;

beforeAll(async () => {
  h = await startUploadHarness({}, { deleteGraceMs: 0 });
});
afterAll(() => h.close());

async function list(bucket: string, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const item of h.upload.minio.listObjectsV2(bucket, prefix, true)) names.push((item as { name: string }).name);
  return names.sort();
}

/**
 * A video with a source object and what the transcoder would have published
 * for it. The video is opened through the upload service, but its source is
 * put straight into MinIO rather than finished: a finished upload announces
 * video.uploaded to the platform's topic, and the dev stack's transcoder
 * would then fail this random source and clear its folder under the test.
 */
async function publishedVideo(user: string, channelId: string): Promise<string> {
  const { session } = await (await h.client(user)).startUpload({ metadata: { channelId, title: "to delete", contentType: "video/mp4", sizeBytes: BigInt(MiB), filename: "a.mp4" } });
  const videoId = session!.videoId;
  await h.upload.minio.putObject(env.minioSourceBucket, `sources/${videoId}`, randomBytes(MiB), MiB);
  for (const name of ["master.m3u8", "240p/index.m3u8", "240p/seg-00000.ts", "240p/seg-00001.ts", "poster.jpg", "thumbs/0001.jpg", "storyboard.vtt"]) {
    await h.upload.minio.putObject(env.minioMediaBucket, `${mediaPrefix(videoId)}${name}`, Buffer.from(name), name.length);
  }
  return videoId;
}

async function scheduled(videoId: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while ((await h.upload.pool.query("SELECT 1 FROM upload.media_purges WHERE video_id = $1", [videoId])).rowCount === 0) {
    if (Date.now() > end) throw new Error(`video.deleted for ${videoId} was not consumed`);
    await sleep(100);
  }
}

async function stat(bucket: string, key: string): Promise<boolean> {
  return h.upload.minio.statObject(bucket, key).then(
    () => true,
    () => false,
  );
}

describe("deleting a video", () => {
  it("removes its source and every published object after video.deleted; a redelivered event changes nothing", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const videoId = await publishedVideo(user, channelId);
    const kept = await publishedVideo(user, channelId);
    expect(await list(env.minioMediaBucket, mediaPrefix(videoId))).toHaveLength(7);
    expect(await stat(env.minioSourceBucket, `sources/${videoId}`)).toBe(true);

    await (await h.catalogClient(VideoService, user)).deleteVideo({ videoId });
    await scheduled(videoId);
    // The tombstone is written at once (the transcoder checks it); objects wait for the purge.
    expect(await stat(env.minioMediaBucket, tombstoneKey(videoId))).toBe(true);
    const ran = await h.upload.purge.runOnce();
    expect(ran).toEqual([videoId]);
    expect(await list(env.minioMediaBucket, mediaPrefix(videoId))).toEqual([]);
    expect(await list(env.minioSourceBucket, `sources/${videoId}`)).toEqual([]);
    // The other video is untouched.
    expect(await list(env.minioMediaBucket, mediaPrefix(kept))).toHaveLength(7);
    expect(await stat(env.minioSourceBucket, `sources/${kept}`)).toBe(true);

    // Redelivered: no new purge, nothing due.
    const producer = createEventProducer({ brokers: env.kafkaBrokers, clientId: "purge-test" });
    await producer.publish(topics.videoDeleted, videoId, { videoId, ownerId: user, eventId: randomUUID() });
    await producer.disconnect();
    await sleep(1500);
    expect(await h.upload.purge.runOnce()).toEqual([]);
    const { rows } = await h.upload.pool.query<{ done: boolean }>("SELECT done_at IS NOT NULL AS done FROM upload.media_purges WHERE video_id = $1", [videoId]);
    expect(rows).toEqual([{ done: true }]);
  }, 60_000);

  it("with its channel removes every video's objects, and aborts an unfinished upload's multipart", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const first = await publishedVideo(user, channelId);
    const second = await publishedVideo(user, channelId);
    const { session } = await (await h.client(user)).startUpload({ metadata: { channelId, title: "half", contentType: "video/mp4", sizeBytes: BigInt(6 * MiB), filename: "b.mp4" } });
    await (await h.client(user)).putChunk({ uploadId: session!.uploadId, offset: 0n, data: randomBytes(5 * MiB) });
    const half = session!.videoId;
    expect(await h.upload.minio.findUploadId(env.minioSourceBucket, `sources/${half}`)).toBeTruthy();

    await (await h.catalogClient(ChannelService, user)).deleteChannel({ channelId });
    for (const id of [first, second, half]) await scheduled(id);
    expect((await h.upload.purge.runOnce()).sort()).toEqual([first, second, half].sort());
    for (const id of [first, second, half]) {
      expect(await list(env.minioMediaBucket, mediaPrefix(id))).toEqual([]);
      expect(await list(env.minioSourceBucket, `sources/${id}`)).toEqual([]);
    }
    expect(await h.upload.minio.findUploadId(env.minioSourceBucket, `sources/${half}`)).toBeFalsy();
    const { rows } = await h.upload.pool.query<{ state: string }>("SELECT state FROM upload.upload_sessions WHERE id = $1", [session!.uploadId]);
    expect(rows[0]?.state).toBe("cancelled");
  }, 60_000);

  it("finishes a purge that a crashed replica left half-done, once its lease is over", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const videoId = await publishedVideo(user, channelId);
    await (await h.catalogClient(VideoService, user)).deleteVideo({ videoId });
    await scheduled(videoId);
    // A replica claimed it, removed the source and two objects, then died.
    const queue = createPgPurgeQueue(h.upload.pool);
    expect((await queue.claimDue(20, 60_000)).map((due) => due.videoId)).toContain(videoId);
    await h.upload.minio.removeObject(env.minioSourceBucket, `sources/${videoId}`);
    await h.upload.minio.removeObjects(env.minioMediaBucket, [`${mediaPrefix(videoId)}master.m3u8`, `${mediaPrefix(videoId)}poster.jpg`]);
    // Still leased: nobody else takes it.
    expect(await h.upload.purge.runOnce()).not.toContain(videoId);
    await h.upload.pool.query("UPDATE upload.media_purges SET claimed_until = now() - interval '1 second' WHERE video_id = $1", [videoId]);
    expect(await h.upload.purge.runOnce()).toContain(videoId);
    expect(await list(env.minioMediaBucket, mediaPrefix(videoId))).toEqual([]);
  }, 60_000);

  it("after account deletion (account.deleted → catalog → video.deleted), removes every video's objects of the account", async () => {
    // The catalog's event consumer (started with the harness) applies account.deleted.
    await h.catalog.consumerStarted;
    const producer = createEventProducer({ brokers: env.kafkaBrokers, clientId: "purge-account-test" });
    try {
      const user = randomUUID();
      const ids = [await publishedVideo(user, await h.channelOf(user)), await publishedVideo(user, await h.channelOf(user))];
      const other = randomUUID();
      const kept = await publishedVideo(other, await h.channelOf(other));
      await producer.publish(topics.accountDeleted, user, { userId: user, eventId: randomUUID() });
      for (const id of ids) await scheduled(id, 60_000);
      expect((await h.upload.purge.runOnce()).sort()).toEqual([...ids].sort());
      for (const id of ids) {
        expect(await list(env.minioMediaBucket, mediaPrefix(id))).toEqual([]);
        expect(await list(env.minioSourceBucket, `sources/${id}`)).toEqual([]);
      }
      expect(await list(env.minioMediaBucket, mediaPrefix(kept))).toHaveLength(7);
    } finally {
      await producer.disconnect();
    }
  }, 90_000);

  it("keeps the objects until the grace period is over", async () => {
    const user = randomUUID();
    const channelId = await h.channelOf(user);
    const videoId = await publishedVideo(user, channelId);
    await createPgPurgeQueue(h.upload.pool).schedule(videoId, user, 3_600_000);
    expect(await h.upload.purge.runOnce()).not.toContain(videoId);
    expect(await list(env.minioMediaBucket, mediaPrefix(videoId))).toHaveLength(7);
    await h.upload.pool.query("UPDATE upload.media_purges SET due_at = now() WHERE video_id = $1", [videoId]);
    expect(await h.upload.purge.runOnce()).toEqual([videoId]);
    expect(await list(env.minioMediaBucket, mediaPrefix(videoId))).toEqual([]);
  }, 60_000);
});
