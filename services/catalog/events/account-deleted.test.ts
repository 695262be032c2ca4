import { randomUUID } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { PlaylistService } from "../../../gen/xtream/catalog/v1/playlist_service_pb.js";
import { VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { VideoDeletedSchema } from "../../../gen/xtream/events/v1/video_events_pb.js";
import { createEventProducer, topics, type EventConsumer, type EventProducer } from "../../../lib/kafka/index.ts";
import { createLogger } from "../../../lib/logger.ts";
import { codeOf, stackEnv } from "../../../lib/testing/index.ts";
import { startCatalogHarness, type CatalogHarness } from "../testing.ts";
import { createCatalogEventConsumer } from "./event-consumer.ts";
import { storesOf } from "./stores-of.ts";

// account.deleted (from identity's outbox) through real Kafka into the
// catalog's consumer: everything the account owned is deleted, and each
// video's video.deleted is queued (which removes its files: upload service).
let harness: CatalogHarness;
let producer: EventProducer;
let consumer: EventConsumer;
const brokers = stackEnv().kafkaBrokers;

beforeAll(async () => {
  harness = await startCatalogHarness();
  producer = createEventProducer({ brokers, clientId: "catalog-account-test" });
  await producer.connect();
  consumer = createCatalogEventConsumer({ ...storesOf(harness.pool), brokers, groupId: `catalog-account-test-${randomUUID()}`, logger: createLogger("catalog-account-test", "silent"), producer });
  await consumer.start();
}, 60_000);
afterAll(async () => {
  await consumer?.stop();
  await producer?.disconnect();
  await harness?.close();
});

async function ownerWithThings(label: string) {
  const userId = harness.newUser();
  const channels = await harness.client(ChannelService, userId);
  const videos = await harness.client(VideoService, userId);
  const channelIds: string[] = [];
  const videoIds: string[] = [];
  for (const n of [1, 2]) {
    const { channel } = await channels.createChannel({ handle: `${label}_${n}_${randomUUID().slice(0, 8)}`, title: `${label} ${n}` });
    channelIds.push(channel!.id);
    for (const title of ["a", "b"]) videoIds.push((await videos.createVideo({ channelId: channel!.id, title })).video!.id);
  }
  const { playlist } = await (await harness.client(PlaylistService, userId)).createPlaylist({ title: `${label} list` });
  return { userId, channelIds, videoIds, playlistId: playlist!.id };
}

describe("account.deleted", () => {
  it("deletes the account's channels, videos and playlists, queues video.deleted for each video, and leaves others alone", async () => {
    const gone = await ownerWithThings("gone");
    const kept = await ownerWithThings("kept");
    await producer.publish(topics.accountDeleted, gone.userId, { userId: gone.userId, eventId: randomUUID(), eventTime: timestampNow() });

    const deadline = Date.now() + 60_000;
    const live = async (ids: string[]) => (await harness.pool.query("SELECT id FROM catalog.videos WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL", [ids])).rowCount;
    while ((await live(gone.videoIds)) !== 0) {
      if (Date.now() > deadline) throw new Error("account.deleted was not applied");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const anonymousChannels = await harness.client(ChannelService);
    for (const channelId of gone.channelIds) expect(await codeOf(anonymousChannels.getChannel({ lookup: { case: "channelId", value: channelId } }))).toBe(Code.NotFound);
    expect(await codeOf((await harness.client(PlaylistService)).getPlaylist({ playlistId: gone.playlistId }))).toBe(Code.NotFound);
    const { rows } = await harness.pool.query<{ payload: Buffer }>("SELECT payload FROM catalog.outbox WHERE topic = 'video.deleted' AND key = ANY($1::text[])", [gone.videoIds]);
    expect(rows.map((row) => fromBinary(VideoDeletedSchema, row.payload).videoId).sort()).toEqual([...gone.videoIds].sort());

    expect(await live(kept.videoIds)).toBe(kept.videoIds.length);
    await expect((await harness.client(PlaylistService, kept.userId)).getPlaylist({ playlistId: kept.playlistId })).resolves.toBeDefined();
  }, 90_000);
});
