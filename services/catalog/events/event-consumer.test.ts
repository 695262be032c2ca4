import { randomUUID } from "node:crypto";
import { durationFromMs, timestampNow } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { VideoStatus, Visibility } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { createEventConsumer, createEventProducer, eventHandler, topics, type EventConsumer, type EventProducer } from "../../../lib/kafka/index.ts";
import { createLogger } from "../../../lib/logger.ts";
import { createOutboxRelay } from "../../../lib/outbox/index.ts";
import { stackEnv } from "../../../lib/testing/index.ts";
import { startCatalogHarness, type CatalogHarness } from "../testing.ts";
import { createCatalogEventConsumer } from "./event-consumer.ts";
import { storesOf } from "./stores-of.ts";

let harness: CatalogHarness;
let producer: EventProducer;
const logger = createLogger("catalog-events-test", "warn");
const brokers = stackEnv().kafkaBrokers;

beforeAll(async () => {
  harness = await startCatalogHarness();
  producer = createEventProducer({ brokers, clientId: "catalog-events-test" });
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await harness.close();
});

const waitFor = async (check: () => boolean | Promise<boolean>, timeoutMs = 150_000, explain: () => unknown = () => "") => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting ${JSON.stringify(explain())}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** A consumer in a fresh group (reads each topic from the beginning) counting the events it applied per video. */
async function startConsumer(seen: Map<string, number>): Promise<EventConsumer> {
  const consumer = createCatalogEventConsumer({
    ...storesOf(harness.pool),
    brokers,
    groupId: `catalog-test-${randomUUID()}`,
    logger,
    producer,
    clientId: "catalog-events-test",
    onApplied: (_topic, videoId) => seen.set(videoId, (seen.get(videoId) ?? 0) + 1),
  });
  await consumer.start();
  return consumer;
}

describe("pipeline events", () => {
  it("WatchVideo follows a video from UPLOADING through PROCESSING to READY, and replaying every topic changes nothing", async () => {
    const owner = harness.newUser();
    const channelId = (await (await harness.client(ChannelService, owner)).createChannel({ handle: "events_owner", title: "E" })).channel!.id;
    const videos = await harness.client(VideoService, owner);
    const { video } = await videos.createVideo({ channelId, title: "Pipeline", visibility: Visibility.PUBLIC });
    const id = video!.id;
    const { video: failing } = await videos.createVideo({ channelId, title: "Broken" });
    // The dev stack's transcoder (if running) also consumes video.uploaded and
    // answers video.failed for ids whose source it cannot find. So the watched
    // video is driven by progress/transcoded events only, and video.uploaded is
    // exercised on a video of its own, left out of the replay comparison.
    const { video: uploaded } = await videos.createVideo({ channelId, title: "Uploaded" });

    const watched: { status: VideoStatus; progress: number; playable: boolean }[] = [];
    const watching = (async () => {
      for await (const message of videos.watchVideo({ videoId: id })) {
        watched.push({ status: message.video!.status, progress: message.video!.progressPercent, playable: message.video!.playable });
      }
    })();
    await waitFor(() => watched.length === 1);

    const seen = new Map<string, number>();
    const first = await startConsumer(seen);
    try {
      const time = timestampNow();
      await producer.publish(topics.videoUploaded, uploaded!.id, { videoId: uploaded!.id, ownerId: owner, channelId, eventId: randomUUID(), uploadTime: time });
      await producer.publish(topics.videoProgress, id, { videoId: id, percent: 20, eventId: randomUUID(), eventTime: time });
      // On timeout, say whether the consumer applied anything at all (it also sees other tests' events).
      const explain = () => ({ watched, eventsApplied: [...seen.values()].reduce((a, b) => a + b, 0), videosSeen: seen.size });
      await waitFor(() => watched.some((state) => state.status === VideoStatus.PROCESSING), 150_000, explain);
      await producer.publish(topics.videoProgress, id, { videoId: id, percent: 40, playableRenditions: ["240p"], eventId: randomUUID(), eventTime: time });
      await waitFor(() => watched.some((state) => state.playable), 150_000, explain);
      await producer.publish(topics.videoTranscoded, id, {
        videoId: id,
        duration: durationFromMs(12_500),
        renditions: [{ name: "240p", width: 426, height: 240, bandwidth: 400_000n, codecs: "avc1.42c015,mp4a.40.2", playlistPath: "240p/index.m3u8" }],
        masterPlaylistKey: `videos/${id}/master.m3u8`,
        posterKey: `videos/${id}/poster.jpg`,
        eventId: randomUUID(),
        eventTime: time,
      });
      // Late and out-of-order events must not move it back.
      await producer.publish(topics.videoProgress, id, { videoId: id, percent: 10, eventId: randomUUID(), eventTime: time });
      await producer.publish(topics.videoFailed, id, { videoId: id, reason: "late failure", eventId: randomUUID(), eventTime: time });
      await producer.publish(topics.videoFailed, failing!.id, { videoId: failing!.id, reason: "not a video file", eventId: randomUUID(), eventTime: time });
      await watching; // the stream ends by itself after READY
      await waitFor(() => (seen.get(id) ?? 0) === 5 && (seen.get(failing!.id) ?? 0) === 1 && (seen.get(uploaded!.id) ?? 0) >= 1, 150_000, explain);
    } finally {
      await first.stop();
    }

    expect(watched.map((state) => state.status)).toEqual([VideoStatus.UPLOADING, VideoStatus.PROCESSING, VideoStatus.PROCESSING, VideoStatus.READY]);
    expect(watched[1]).toMatchObject({ progress: 20, playable: false });
    expect(watched[2]).toMatchObject({ progress: 40, playable: true });
    // video.uploaded moved its video on (a running transcoder may already have failed it).
    expect((await videos.getVideo({ videoId: uploaded!.id })).video?.status).not.toBe(VideoStatus.UPLOADING);
    const ready = (await videos.getVideo({ videoId: id })).video!;
    expect(ready).toMatchObject({ status: VideoStatus.READY, progressPercent: 100, playable: true, posterPath: "poster.jpg", failureReason: "" });
    expect(Number(ready.duration?.seconds)).toBe(12);
    expect(ready.renditions.map((rendition) => rendition.name)).toEqual(["240p"]);
    expect((await videos.getVideo({ videoId: failing!.id })).video).toMatchObject({ status: VideoStatus.FAILED, failureReason: "not a video file" });

    // Replay everything from the beginning in a new group: the rows stay byte-for-byte the same.
    const snapshot = async () => (await harness.pool.query("SELECT * FROM catalog.videos WHERE id <> $1 ORDER BY id", [uploaded!.id])).rows as unknown[];
    const before = await snapshot();
    const replaySeen = new Map<string, number>();
    const replay = await startConsumer(replaySeen);
    try {
      await waitFor(() => (replaySeen.get(id) ?? 0) >= 5 && (replaySeen.get(failing!.id) ?? 0) >= 1 && (replaySeen.get(uploaded!.id) ?? 0) >= 1);
    } finally {
      await replay.stop();
    }
    expect(await snapshot()).toEqual(before);
  }, 180_000);

  it("the outbox relay publishes video.deleted and video.visibility to Kafka", async () => {
    const owner = harness.newUser();
    const channelId = (await (await harness.client(ChannelService, owner)).createChannel({ handle: "outbox_owner", title: "O" })).channel!.id;
    const videos = await harness.client(VideoService, owner);
    const id = (await videos.createVideo({ channelId, title: "Doomed" })).video!.id;
    await videos.setVideoVisibility({ videoId: id, visibility: Visibility.PUBLIC });
    await videos.deleteVideo({ videoId: id });
    const relay = createOutboxRelay({ pool: harness.pool, schema: "catalog", producer, logger });
    expect(await relay.relayOnce()).toBeGreaterThanOrEqual(2);
    expect((await harness.pool.query("SELECT count(*)::int AS n FROM catalog.outbox WHERE published_at IS NULL")).rows[0]).toEqual({ n: 0 });

    const received: string[] = [];
    const consumer = createEventConsumer({
      brokers,
      groupId: `catalog-outbox-test-${randomUUID()}`,
      clientId: "catalog-events-test",
      logger,
      producer,
      handlers: [
        eventHandler({
          topic: topics.videoVisibility,
          async handle(event) {
            if (event.videoId === id) received.push(`visibility:${event.visibility}`);
          },
        }),
        eventHandler({
          topic: topics.videoDeleted,
          async handle(event) {
            if (event.videoId === id) received.push(`deleted:${event.ownerId}`);
          },
        }),
      ],
    });
    await consumer.start();
    try {
      await waitFor(() => received.length >= 2);
    } finally {
      await consumer.stop();
    }
    expect(received.sort()).toEqual([`deleted:${owner}`, `visibility:${Visibility.PUBLIC}`]);
  }, 120_000);
});
