import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { VideoStatus } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { createLogger } from "../../../lib/logger.ts";
import { createVideoStore } from "../adapters/video-store.ts";
import { startCatalogHarness, type CatalogHarness } from "../testing.ts";
import { ABANDONED_UPLOAD_REASON, createAbandonedUploadReaper } from "./reap-abandoned-uploads.ts";

// The reaper against the real catalog database: videos left UPLOADING past
// the abandonment age end FAILED with a readable reason; nothing else moves.
let harness: CatalogHarness;
beforeAll(async () => {
  harness = await startCatalogHarness();
});
afterAll(async () => {
  await harness.close();
});

describe("the abandoned-upload reaper", () => {
  it("fails only videos still UPLOADING past the age, with the reason, and WatchVideo shows it", async () => {
    const owner = harness.newUser();
    const { channel } = await (await harness.client(ChannelService, owner)).createChannel({ handle: `reap_${Date.now().toString(36)}`, title: "Reaped" });
    const videos = await harness.client(VideoService, owner);
    const create = async (title: string) => (await videos.createVideo({ channelId: channel!.id, title })).video!.id;
    const [abandoned, fresh, processing, deleted] = [await create("abandoned"), await create("fresh"), await create("processing"), await create("deleted")];
    const store = createVideoStore({ pool: harness.pool });
    await store.markProcessing(processing);
    await store.delete(deleted);
    // Three of them were created two days ago.
    await harness.pool.query("UPDATE catalog.videos SET create_time = now() - interval '2 days' WHERE id = ANY($1::uuid[])", [[abandoned, processing, deleted]]);

    const reaper = createAbandonedUploadReaper({ videos: store, logger: createLogger("reaper-test", "silent"), abandonAfterMs: 25 * 3600_000 });
    const stream = videos.watchVideo({ videoId: abandoned })[Symbol.asyncIterator]();
    const nextState = async () => {
      const next = await stream.next();
      if (next.done) throw new Error("WatchVideo ended");
      return next.value.video;
    };
    expect((await nextState())?.status).toBe(VideoStatus.UPLOADING);

    expect(await reaper.runOnce()).toEqual([abandoned]);
    const seen = await nextState();
    expect(seen?.status).toBe(VideoStatus.FAILED);
    expect(seen?.failureReason).toBe(ABANDONED_UPLOAD_REASON);
    expect((await videos.getVideo({ videoId: fresh })).video?.status).toBe(VideoStatus.UPLOADING);
    expect((await videos.getVideo({ videoId: processing })).video?.status).toBe(VideoStatus.PROCESSING);
    // Running again changes nothing.
    expect(await reaper.runOnce()).toEqual([]);
  });
});
