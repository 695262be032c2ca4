import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { Visibility, type Video } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { FeedOrder, VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { codeOf } from "../../../lib/testing/index.ts";
import { createVideoStore, PUBLICLY_LISTED } from "../adapters/video-store.ts";
import { startCatalogHarness, type CatalogHarness } from "../testing.ts";

// The feed spans every channel, so this file has a database of its own.
let harness: CatalogHarness;
beforeAll(async () => {
  harness = await startCatalogHarness();
});
afterAll(async () => {
  await harness.close();
});

interface Row {
  id: string;
  channelId: string;
  createTime: number;
  viewCount: number;
}

/** Every page of the feed in one order, through an anonymous client. */
async function readFeed(order: FeedOrder, pageSize: number) {
  const client = await harness.client(VideoService);
  const ids: string[] = [];
  const pages = [];
  let token = "";
  for (let page = 0; page < 100; page++) {
    const response = await client.listFeed({ order, pageSize, pageToken: token });
    pages.push(response);
    ids.push(...response.videos.map((video) => video.id));
    token = response.nextPageToken;
    if (!token) break;
  }
  return { ids, pages };
}

const byNewest = (a: Row, b: Row) => b.createTime - a.createTime || (a.id < b.id ? 1 : -1);
const byMostViewed = (a: Row, b: Row) => b.viewCount - a.viewCount || byNewest(a, b);

describe("VideoService.ListFeed", () => {
  const listed: Row[] = [];
  const hidden = new Map<string, string>();
  let channelA = "";
  let channelB = "";

  beforeAll(async () => {
    const store = createVideoStore({ pool: harness.pool });
    const owners = [harness.newUser(), harness.newUser()];
    const channelIds: string[] = [];
    for (const [index, owner] of owners.entries()) {
      const channels = await harness.client(ChannelService, owner);
      channelIds.push((await channels.createChannel({ handle: `feed_owner_${index}`, title: `Feed ${index}` })).channel!.id);
    }
    [channelA, channelB] = channelIds as [string, string];
    const create = async (ownerIndex: number, title: string, visibility = Visibility.PUBLIC) => {
      const videos = await harness.client(VideoService, owners[ownerIndex]);
      return (await videos.createVideo({ channelId: channelIds[ownerIndex]!, title, visibility })).video!;
    };
    const ready = (video: Video) => store.markReady(video.id, { durationMs: 12_000, renditions: [], posterPath: "poster.jpg" });

    // 13 listed videos: READY ones on both channels and one still PROCESSING but playable.
    for (let index = 0; index < 12; index++) {
      const video = await create(index % 2, `ready ${index}`);
      await ready(video);
      listed.push({ id: video.id, channelId: video.channelId, createTime: 0, viewCount: 0 });
    }
    const playableEarly = await create(0, "playable while processing");
    await store.applyProgress(playableEarly.id, 30, true);
    listed.push({ id: playableEarly.id, channelId: playableEarly.channelId, createTime: 0, viewCount: 0 });

    // Never listed.
    hidden.set((await create(0, "uploading")).id, "uploading");
    const processing = await create(1, "processing, nothing playable yet");
    await store.applyProgress(processing.id, 50, false);
    hidden.set(processing.id, "processing, not playable");
    const failed = await create(0, "failed");
    await store.markFailed(failed.id, "not a video");
    hidden.set(failed.id, "failed");
    const failedLate = await create(1, "failed after its first rung");
    await store.applyProgress(failedLate.id, 40, true);
    await store.markFailed(failedLate.id, "a later rung failed");
    hidden.set(failedLate.id, "failed after playable");
    for (const visibility of [Visibility.UNLISTED, Visibility.PRIVATE]) {
      const video = await create(0, `not public ${visibility}`, visibility);
      await ready(video);
      hidden.set(video.id, `visibility ${visibility}`);
    }
    const deleted = await create(1, "deleted");
    await ready(deleted);
    await (await harness.client(VideoService, owners[1])).deleteVideo({ videoId: deleted.id });
    hidden.set(deleted.id, "deleted");
    const madePrivate = await create(0, "made private later");
    await ready(madePrivate);
    await (await harness.client(VideoService, owners[0])).setVideoVisibility({ videoId: madePrivate.id, visibility: Visibility.PRIVATE });
    hidden.set(madePrivate.id, "made private");

    // Ties on purpose: groups of videos share a creation time and a view count.
    for (const [index, row] of listed.entries()) {
      row.createTime = Date.parse("2026-01-01T00:00:00Z") + Math.floor(index / 4) * 60_000;
      row.viewCount = [5, 0, 5, 2][index % 4]!;
      await harness.pool.query("UPDATE catalog.videos SET create_time = $2, view_count = $3 WHERE id = $1", [row.id, new Date(row.createTime), row.viewCount]);
    }
  });

  it("pages through the newest public playable videos once each, ties included, for anonymous callers", async () => {
    for (const pageSize of [1, 3, 5, 100]) {
      const { ids, pages } = await readFeed(FeedOrder.LATEST, pageSize);
      expect(ids).toEqual([...listed].sort(byNewest).map((row) => row.id));
      expect(pages.slice(0, -1).every((page) => page.videos.length === pageSize)).toBe(true);
      expect(pages.at(-1)!.nextPageToken).toBe("");
    }
    // UNSPECIFIED is LATEST.
    expect((await readFeed(FeedOrder.UNSPECIFIED, 4)).ids).toEqual([...listed].sort(byNewest).map((row) => row.id));
  });

  it("orders by view count, then newest, with a stable cursor", async () => {
    for (const pageSize of [2, 7]) {
      const { ids } = await readFeed(FeedOrder.MOST_VIEWED, pageSize);
      expect(ids).toEqual([...listed].sort(byMostViewed).map((row) => row.id));
    }
  });

  it("never lists private, unlisted, unfinished, failed or deleted videos", async () => {
    const { ids } = await readFeed(FeedOrder.LATEST, 100);
    for (const [id, why] of hidden) expect(ids, why).not.toContain(id);
    expect(new Set(ids).size).toBe(listed.length);
  });

  it("returns each page's channels once, so a client can name them", async () => {
    const { pages } = await readFeed(FeedOrder.LATEST, 6);
    for (const page of pages) {
      const wanted = [...new Set(page.videos.map((video) => video.channelId))].sort();
      expect(page.channels.map((channel) => channel.id).sort()).toEqual(wanted);
    }
    expect(pages[0]!.channels.find((channel) => channel.id === channelA)?.title).toBe("Feed 0");
  });

  it("defaults to 24 per page and validates its input", async () => {
    const client = await harness.client(VideoService);
    const store = createVideoStore({ pool: harness.pool });
    const owner = harness.newUser();
    const { channel } = await (await harness.client(ChannelService, owner)).createChannel({ handle: "feed_bulk", title: "Bulk" });
    const videos = await harness.client(VideoService, owner);
    for (let index = 0; index < 12; index++) {
      const { video } = await videos.createVideo({ channelId: channel!.id, title: `bulk ${index}`, visibility: Visibility.PUBLIC });
      await store.markReady(video!.id, { durationMs: 1000, renditions: [], posterPath: "poster.jpg" });
    }
    const first = await client.listFeed({});
    expect(first.videos).toHaveLength(24);
    expect(first.nextPageToken).not.toBe("");
    expect((await client.listFeed({ pageToken: first.nextPageToken })).videos).toHaveLength(listed.length + 12 - 24);

    expect(await codeOf(client.listFeed({ pageSize: 101 }))).toBe(Code.InvalidArgument);
    expect(await codeOf(client.listFeed({ pageSize: -1 }))).toBe(Code.InvalidArgument);
    expect(await codeOf(client.listFeed({ order: 7 as FeedOrder }))).toBe(Code.InvalidArgument);
    expect(await codeOf(client.listFeed({ pageToken: "x".repeat(513) }))).toBe(Code.InvalidArgument);
    expect(await codeOf(client.listFeed({ pageToken: "not a token!" }))).toBe(Code.InvalidArgument);
    // A cursor belongs to its order, and to the feed.
    expect(await codeOf(client.listFeed({ order: FeedOrder.MOST_VIEWED, pageToken: first.nextPageToken }))).toBe(Code.InvalidArgument);
    const channelPage = await client.listVideos({ channelId: channel!.id, pageSize: 1 });
    expect(await codeOf(client.listFeed({ pageToken: channelPage.nextPageToken }))).toBe(Code.InvalidArgument);
    await harness.pool.query("UPDATE catalog.videos SET deleted_at = now() WHERE channel_id = $1", [channel!.id]);
  });

  it("shows others a channel's listed videos only, the owner all of them", async () => {
    const anonymous = await harness.client(VideoService);
    const stranger = await harness.client(VideoService, harness.newUser());
    for (const channelId of [channelA, channelB]) {
      const wanted = listed.filter((row) => row.channelId === channelId).sort(byNewest).map((row) => row.id);
      for (const client of [anonymous, stranger]) {
        const ids: string[] = [];
        let token = "";
        do {
          const page = await client.listVideos({ channelId, pageSize: 4, pageToken: token });
          ids.push(...page.videos.map((video) => video.id));
          token = page.nextPageToken;
        } while (token);
        expect(ids).toEqual(wanted);
      }
    }
    const { rows } = await harness.pool.query<{ owner_id: string }>("SELECT owner_id FROM catalog.channels WHERE id = $1", [channelA]);
    const own = await (await harness.client(VideoService, rows[0]!.owner_id)).listVideos({ channelId: channelA, pageSize: 100 });
    const hiddenOnA = [...hidden.keys()].filter((id) => own.videos.some((video) => video.id === id));
    // The owner sees uploading, failed, unlisted and private ones too (not the deleted one, which was on B).
    expect(hiddenOnA.length).toBeGreaterThanOrEqual(5);
  });

  it("reads through the partial indexes migration 003 made", async () => {
    const plans: string[] = [];
    const client = await harness.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SET LOCAL enable_seqscan = off");
      for (const [keys, after] of [
        ["v.create_time DESC, v.id DESC", "(v.create_time, v.id) < (now(), 'ffffffff-ffff-4fff-bfff-ffffffffffff'::uuid)"],
        ["v.view_count DESC, v.create_time DESC, v.id DESC", "(v.view_count, v.create_time, v.id) < (5::bigint, now(), 'ffffffff-ffff-4fff-bfff-ffffffffffff'::uuid)"],
      ]) {
        const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN SELECT v.id FROM catalog.videos v WHERE ${PUBLICLY_LISTED} AND ${after} ORDER BY ${keys} LIMIT 25`);
        plans.push(rows.map((row) => row["QUERY PLAN"]).join("\n"));
      }
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
    expect(plans[0]).toMatch(/Index (Only )?Scan using videos_feed_latest/);
    expect(plans[1]).toMatch(/Index (Only )?Scan using videos_feed_most_viewed/);
    // The whole cursor is the index condition (no filter over earlier rows), and no sort.
    for (const plan of plans) expect(plan).toMatch(/Index Cond: \(ROW\(/);
    expect(plans.join("\n")).not.toMatch(/Sort|Filter/);
  });
});
