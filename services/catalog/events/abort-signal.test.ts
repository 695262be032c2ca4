// Catalog's event handlers honour the attempt's abort signal: with a handler
// blocked on PostgreSQL (a row lock held by another transaction), stopping
// the consumer returns at once instead of waiting for the lock, and the
// event is left uncommitted for the next consumer, which applies it.
import { randomUUID } from "node:crypto";
import { durationFromMs, timestampNow } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { createEventProducer, topics, type EventProducer } from "../../../lib/kafka/index.ts";
import { createLogger } from "../../../lib/logger.ts";
import { stackEnv } from "../../../lib/testing/index.ts";
import { startCatalogHarness, type CatalogHarness } from "../testing.ts";
import { createCatalogEventConsumer } from "./event-consumer.ts";
import { storesOf } from "./stores-of.ts";

const brokers = stackEnv().kafkaBrokers;
let harness: CatalogHarness;
let producer: EventProducer;

beforeAll(async () => {
  harness = await startCatalogHarness();
  producer = createEventProducer({ brokers, clientId: "catalog-abort-test" });
}, 120_000);
afterAll(async () => {
  await producer?.disconnect();
  await harness?.close();
});

it("stopping the consumer aborts a handler waiting on PostgreSQL", { timeout: 120_000 }, async () => {
  const owner = harness.newUser();
  const channelId = (await (await harness.client(ChannelService, owner)).createChannel({ handle: `abort_${owner.slice(0, 6)}`, title: "A" })).channel!.id;
  const id = (await (await harness.client(VideoService, owner)).createVideo({ channelId, title: "Locked" })).video!.id;
  const groupId = `catalog-abort-${randomUUID()}`;
  const consumer = () =>
    createCatalogEventConsumer({ ...storesOf(harness.pool), brokers, groupId, logger: createLogger("catalog-abort-test", "silent"), producer });

  const locker = await harness.pool.connect();
  let first: ReturnType<typeof consumer> | undefined;
  try {
    await locker.query("BEGIN");
    await locker.query("SELECT id FROM catalog.videos WHERE id = $1 FOR UPDATE", [id]);
    first = consumer();
    await first.start();
    await producer.publish(topics.videoTranscoded, id, {
      videoId: id,
      duration: durationFromMs(2000),
      renditions: [{ name: "240p", width: 426, height: 240, bandwidth: 300_000n, codecs: "avc1.42c015", playlistPath: "240p/index.m3u8" }],
      masterPlaylistKey: `videos/${id}/master.m3u8`,
      posterKey: `videos/${id}/poster.jpg`,
      eventId: randomUUID(),
      eventTime: timestampNow(),
    });
    // The handler's UPDATE is now waiting for the lock.
    await expect
      .poll(async () => (await harness.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%videos%'")).rows[0]?.n ?? 0, {
        timeout: 60_000,
        interval: 200,
      })
      .toBeGreaterThan(0);
    const started = Date.now();
    await first.stop();
    expect(Date.now() - started).toBeLessThan(5000);
  } finally {
    await locker.query("ROLLBACK").catch(() => undefined);
    locker.release();
  }

  // Not committed: the next consumer of the group applies it.
  const second = consumer();
  await second.start();
  try {
    await expect
      .poll(async () => (await harness.pool.query<{ status: number }>("SELECT status FROM catalog.videos WHERE id = $1", [id])).rows[0]?.status, { timeout: 60_000, interval: 300 })
      .toBe(3); // READY
  } finally {
    await second.stop();
  }
});
