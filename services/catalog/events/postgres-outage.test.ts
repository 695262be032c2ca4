// PostgreSQL stopped under catalog's event consumer for longer than a few
// retries take: the event is held (offset kept) and applied once PostgreSQL
// is back; nothing is dead-lettered. Stops the stack's PostgreSQL: the outage
// is bounded and PostgreSQL is always started again.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { durationFromMs, timestampNow } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { VideoStatus } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { createEventProducer, topics, type EventConsumer, type EventProducer } from "../../../lib/kafka/index.ts";
import { createLogger } from "../../../lib/logger.ts";
import { stackComponent, stackEnv, watchDeadLetters, type DeadLetterWatch } from "../../../lib/testing/index.ts";
import { startCatalogHarness, type CatalogHarness } from "../testing.ts";
import { createCatalogEventConsumer } from "./event-consumer.ts";
import { storesOf } from "./stores-of.ts";

const brokers = stackEnv().kafkaBrokers;
let harness: CatalogHarness;
let producer: EventProducer;
let consumer: EventConsumer;
let deadLetters: DeadLetterWatch;

beforeAll(async () => {
  harness = await startCatalogHarness();
  producer = createEventProducer({ brokers, clientId: "catalog-pg-outage-test" });
  await producer.connect();
  deadLetters = await watchDeadLetters(brokers);
  consumer = createCatalogEventConsumer({
    ...storesOf(harness.pool),
    brokers,
    groupId: `catalog-pg-outage-${randomUUID()}`,
    logger: createLogger("catalog-pg-outage-test", "silent"),
    producer,
    maxBackoffMs: 1000,
  });
  await consumer.start();
}, 120_000);

afterAll(async () => {
  await consumer?.stop();
  await deadLetters?.stop();
  await producer?.disconnect();
  await harness?.close();
}, 60_000);

it("a video.transcoded that arrives while PostgreSQL is down still makes the video READY", { timeout: 240_000 }, async () => {
  const owner = harness.newUser();
  const channelId = (await (await harness.client(ChannelService, owner)).createChannel({ handle: `pg_outage_${owner.slice(0, 6)}`, title: "O" })).channel!.id;
  const videos = await harness.client(VideoService, owner);
  const id = (await videos.createVideo({ channelId, title: "Outage" })).video!.id;

  try {
    await stackComponent("postgres", "stop");
    await producer.publish(topics.videoTranscoded, id, {
      videoId: id,
      duration: durationFromMs(4000),
      renditions: [{ name: "240p", width: 426, height: 240, bandwidth: 400_000n, codecs: "avc1.42c015", playlistPath: "240p/index.m3u8" }],
      masterPlaylistKey: `videos/${id}/master.m3u8`,
      posterKey: `videos/${id}/poster.jpg`,
      eventId: randomUUID(),
      eventTime: timestampNow(),
    });
    // The old policy (3 attempts, 0.5 s then 1 s apart) gave up within about 2 s.
    await sleep(12_000);
    expect(deadLetters.of(id)).toEqual([]);
  } finally {
    await stackComponent("postgres", "start");
  }

  await expect
    .poll(async () => (await harness.pool.query<{ status: number }>("SELECT status FROM catalog.videos WHERE id = $1", [id]).catch(() => ({ rows: [] }))).rows[0]?.status, {
      timeout: 60_000,
      interval: 500,
    })
    .toBe(3); // READY
  expect((await videos.getVideo({ videoId: id })).video?.status).toBe(VideoStatus.READY);
  expect(deadLetters.of(id)).toEqual([]);
  expect(consumer.healthy()).toBe(true);
});
