import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { VideoStatus, Visibility } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { createVideoStore } from "../adapters/video-store.ts";
import { startCatalogHarness, type CatalogHarness } from "../testing.ts";
import { codeOf } from "../../../lib/testing/index.ts";

let harness: CatalogHarness;
beforeAll(async () => {
  harness = await startCatalogHarness({ server: { viewPeriodMs: 3_600_000 } });
});
afterAll(async () => {
  await harness.close();
});

let handleCounter = 0;
async function ownerWithChannel() {
  const userId = harness.newUser();
  const channels = await harness.client(ChannelService, userId);
  const { channel } = await channels.createChannel({ handle: `vid_owner_${handleCounter++}`, title: "Owner" });
  return { userId, channelId: channel!.id, videos: await harness.client(VideoService, userId) };
}

describe("VideoService", () => {
  it("creates a private UPLOADING video on the caller's own channel only", async () => {
    const owner = await ownerWithChannel();
    const { video } = await owner.videos.createVideo({ channelId: owner.channelId, title: "First", tags: ["a", "b"], language: "en" });
    expect(video?.status).toBe(VideoStatus.UPLOADING);
    expect(video?.visibility).toBe(Visibility.PRIVATE);
    expect(video?.ownerId).toBe(owner.userId);
    const stranger = await harness.client(VideoService, harness.newUser());
    expect(await codeOf(stranger.createVideo({ channelId: owner.channelId, title: "Sneaky" }))).toBe(Code.PermissionDenied);
    expect(await codeOf(owner.videos.createVideo({ channelId: owner.channelId, title: "" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(owner.videos.createVideo({ channelId: "00000000-0000-4000-8000-000000000000", title: "x" }))).toBe(Code.NotFound);
    expect(await codeOf((await harness.client(VideoService)).createVideo({ channelId: owner.channelId, title: "x" }))).toBe(Code.Unauthenticated);
  });

  it("hides private videos from others (NOT_FOUND) and shows public/unlisted ones to anonymous callers", async () => {
    const owner = await ownerWithChannel();
    const anonymous = await harness.client(VideoService);
    const stranger = await harness.client(VideoService, harness.newUser());
    const { video: privateVideo } = await owner.videos.createVideo({ channelId: owner.channelId, title: "Secret" });
    const { video: unlisted } = await owner.videos.createVideo({ channelId: owner.channelId, title: "Link only", visibility: Visibility.UNLISTED });
    const { video: publicVideo } = await owner.videos.createVideo({ channelId: owner.channelId, title: "Open", visibility: Visibility.PUBLIC });
    expect((await owner.videos.getVideo({ videoId: privateVideo!.id })).video?.title).toBe("Secret");
    expect(await codeOf(anonymous.getVideo({ videoId: privateVideo!.id }))).toBe(Code.NotFound);
    expect(await codeOf(stranger.getVideo({ videoId: privateVideo!.id }))).toBe(Code.NotFound);
    expect((await anonymous.getVideo({ videoId: unlisted!.id })).video?.title).toBe("Link only");
    expect((await anonymous.getVideo({ videoId: publicVideo!.id })).video?.title).toBe("Open");
    // Making it private takes effect at once, cache or not.
    await owner.videos.setVideoVisibility({ videoId: publicVideo!.id, visibility: Visibility.PRIVATE });
    expect(await codeOf(anonymous.getVideo({ videoId: publicVideo!.id }))).toBe(Code.NotFound);
    expect(await codeOf(anonymous.getVideo({ videoId: "not-a-uuid" }))).toBe(Code.InvalidArgument);
  });

  it("lets only the owner update (field mask), change visibility and delete; delete goes through the outbox", async () => {
    const owner = await ownerWithChannel();
    const stranger = await harness.client(VideoService, harness.newUser());
    const { video } = await owner.videos.createVideo({ channelId: owner.channelId, title: "Draft", description: "keep me", visibility: Visibility.PUBLIC });
    const id = video!.id;
    await owner.videos.getVideo({ videoId: id }); // warm the cache
    const updated = await owner.videos.updateVideo({ video: { id, title: "Final", description: "ignored", tags: ["x"] }, updateMask: { paths: ["title", "tags"] } });
    expect(updated.video?.title).toBe("Final");
    expect(updated.video?.description).toBe("keep me");
    expect(updated.video?.tags).toEqual(["x"]);
    expect((await (await harness.client(VideoService)).getVideo({ videoId: id })).video?.title).toBe("Final");
    expect(await codeOf(owner.videos.updateVideo({ video: { id, status: VideoStatus.READY }, updateMask: { paths: ["status"] } }))).toBe(Code.InvalidArgument);
    expect(await codeOf(owner.videos.updateVideo({ video: { id, tags: ["dup", "dup"] }, updateMask: { paths: ["tags"] } }))).toBe(Code.InvalidArgument);
    expect(await codeOf(stranger.updateVideo({ video: { id, title: "Mine" }, updateMask: { paths: ["title"] } }))).toBe(Code.PermissionDenied);
    expect(await codeOf(stranger.setVideoVisibility({ videoId: id, visibility: Visibility.PRIVATE }))).toBe(Code.PermissionDenied);
    expect(await codeOf(stranger.deleteVideo({ videoId: id }))).toBe(Code.PermissionDenied);
    expect(await codeOf(owner.videos.setVideoVisibility({ videoId: id, visibility: Visibility.UNSPECIFIED }))).toBe(Code.InvalidArgument);

    await owner.videos.setVideoVisibility({ videoId: id, visibility: Visibility.UNLISTED });
    await owner.videos.deleteVideo({ videoId: id });
    expect(await codeOf(owner.videos.getVideo({ videoId: id }))).toBe(Code.NotFound);
    expect(await codeOf(owner.videos.deleteVideo({ videoId: id }))).toBe(Code.NotFound);
    const { rows } = await harness.pool.query<{ topic: string }>("SELECT topic FROM catalog.outbox WHERE key = $1 ORDER BY id", [id]);
    expect(rows.map((row) => row.topic)).toEqual(["video.visibility", "video.deleted"]);
  });

  it("lists a channel's videos newest first; pages stay stable while videos are added", async () => {
    const owner = await ownerWithChannel();
    const created: string[] = [];
    for (let index = 0; index < 7; index++) {
      created.push((await owner.videos.createVideo({ channelId: owner.channelId, title: `v${index}`, visibility: Visibility.PUBLIC })).video!.id);
    }
    const seen: string[] = [];
    let token = "";
    for (let page = 0; page < 10; page++) {
      const response = await owner.videos.listVideos({ channelId: owner.channelId, pageSize: 3, pageToken: token });
      seen.push(...response.videos.map((video) => video.id));
      // New uploads between pages must neither repeat nor push anything out.
      await owner.videos.createVideo({ channelId: owner.channelId, title: `late ${page}` });
      token = response.nextPageToken;
      if (!token) break;
    }
    expect(seen).toEqual([...created].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    // Others see only public, ready videos.
    await createVideoStore({ pool: harness.pool }).markReady(created[0]!, { durationMs: 1000, renditions: [], posterPath: "poster.jpg" });
    const visible = await (await harness.client(VideoService)).listVideos({ channelId: owner.channelId });
    expect(visible.videos.map((video) => video.id)).toEqual([created[0]]);
    expect(await codeOf(owner.videos.listVideos({ channelId: owner.channelId, pageToken: "eyJzIjoieCIsImsiOltdfQ" }))).toBe(Code.InvalidArgument);
  });

  it("counts a view once per viewer per period", async () => {
    const owner = await ownerWithChannel();
    const { video } = await owner.videos.createVideo({ channelId: owner.channelId, title: "Viewed", visibility: Visibility.PUBLIC });
    const anonymous = await harness.client(VideoService);
    const viewer = await harness.client(VideoService, harness.newUser());
    expect(await anonymous.recordView({ videoId: video!.id, viewerId: "cookie-1" })).toMatchObject({ counted: true, viewCount: 1n });
    expect(await anonymous.recordView({ videoId: video!.id, viewerId: "cookie-1" })).toMatchObject({ counted: false, viewCount: 1n });
    expect(await anonymous.recordView({ videoId: video!.id, viewerId: "cookie-2" })).toMatchObject({ counted: true, viewCount: 2n });
    expect(await viewer.recordView({ videoId: video!.id, viewerId: "cookie-1" })).toMatchObject({ counted: true, viewCount: 3n });
    expect(await viewer.recordView({ videoId: video!.id })).toMatchObject({ counted: false, viewCount: 3n });
    expect(await codeOf(anonymous.recordView({ videoId: video!.id }))).toBe(Code.InvalidArgument);
    // GetVideo shows the count once its cache entry expires (counted views evict nothing).
    await expect.poll(async () => (await anonymous.getVideo({ videoId: video!.id })).video?.viewCount, { timeout: 15_000, interval: 500 }).toBe(3n);
  });

  it("counts at most three anonymous viewers per client address, and a counted view wakes no replica", async () => {
    const owner = await ownerWithChannel();
    const { video } = await owner.videos.createVideo({ channelId: owner.channelId, title: "Inflated?", visibility: Visibility.PUBLIC });
    const id = video!.id;
    const anonymous = await harness.client(VideoService);
    const listener = await harness.pool.connect();
    const notified: string[] = [];
    listener.on("notification", (message) => message.payload === id && notified.push(message.channel));
    await listener.query("LISTEN catalog_video_changed");
    try {
      const from = (address: string) => ({ headers: { "x-forwarded-for": address } });
      // A new made-up viewer id each time, from one address: three count.
      const counted = [];
      for (let index = 0; index < 6; index++) counted.push((await anonymous.recordView({ videoId: id, viewerId: `fresh-${index}` }, from("198.51.100.7"))).counted);
      expect(counted).toEqual([true, true, true, false, false, false]);
      // Another address counts on its own; a signed-in viewer is not capped by address.
      expect(await anonymous.recordView({ videoId: id, viewerId: "elsewhere-0" }, from("198.51.100.8"))).toMatchObject({ counted: true, viewCount: 4n });
      const signedIn = await harness.client(VideoService, harness.newUser());
      expect(await signedIn.recordView({ videoId: id }, from("198.51.100.7"))).toMatchObject({ counted: true, viewCount: 5n });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(notified).toEqual([]);
      // Any other change still notifies.
      await owner.videos.updateVideo({ video: { id, title: "Renamed" }, updateMask: { paths: ["title"] } });
      await expect.poll(() => notified.length, { timeout: 5000 }).toBeGreaterThan(0);
    } finally {
      await listener.query("UNLISTEN catalog_video_changed").catch(() => undefined);
      listener.release();
    }
  });
});
