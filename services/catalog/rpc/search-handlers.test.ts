import { Code, ConnectError } from "@connectrpc/connect";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { Visibility } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { SearchService, SearchSort } from "../../../gen/xtream/catalog/v1/search_service_pb.js";
import { VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { createVideoStore } from "../adapters/video-store.ts";
import { startCatalogHarness, type CatalogHarness } from "../testing.ts";

let harness: CatalogHarness;
const ids: Record<string, string> = {};
let aliceChannel = "";
let bobChannel = "";
let createdBetween: Date;

// A small fixed corpus: [key, channel, title, description, tags, visibility, durationMs, ready]
const corpus = [
  ["volcano", "alice", "Volcano eruption footage", "Lava flows at night", ["geology", "nature"], Visibility.PUBLIC, 60_000, true],
  ["volcano_doc", "bob", "Hawaii travel diary", "We saw a volcano erupt twice; the volcano was loud", ["travel"], Visibility.PUBLIC, 600_000, true],
  ["volcano_tag", "bob", "Island hiking", "Long walks", ["volcano", "hiking"], Visibility.PUBLIC, 300_000, true],
  ["kube", "alice", "Kubernetes tutorial for beginners", "Pods, services and deployments", ["devops"], Visibility.PUBLIC, 1_200_000, true],
  ["secret", "alice", "Volcano secret lair", "Private plans", [], Visibility.PRIVATE, 30_000, true],
  ["unlisted", "alice", "Volcano unlisted cut", "Hidden", [], Visibility.UNLISTED, 30_000, true],
  ["processing", "bob", "Volcano still processing", "Not ready", [], Visibility.PUBLIC, 30_000, false],
  ["cats", "bob", "Cats playing piano", "Funny cats", ["cats", "music"], Visibility.PUBLIC, 45_000, true],
] as const;

beforeAll(async () => {
  harness = await startCatalogHarness();
  const store = createVideoStore({ pool: harness.pool });
  const alice = harness.newUser();
  const bob = harness.newUser();
  aliceChannel = (await (await harness.client(ChannelService, alice)).createChannel({ handle: "search_alice", title: "A" })).channel!.id;
  bobChannel = (await (await harness.client(ChannelService, bob)).createChannel({ handle: "search_bob", title: "B" })).channel!.id;
  const clients = { alice: await harness.client(VideoService, alice), bob: await harness.client(VideoService, bob) };
  for (const [index, [key, who, title, description, tags, visibility, durationMs, ready]] of corpus.entries()) {
    if (index === 4) createdBetween = new Date();
    const { video } = await clients[who].createVideo({ channelId: who === "alice" ? aliceChannel : bobChannel, title, description, tags: [...tags], visibility });
    ids[key] = video!.id;
    if (ready) await store.markReady(video!.id, { durationMs, renditions: [], posterPath: "poster.jpg" });
  }
  for (let viewer = 0; viewer < 3; viewer++) await store.recordView(ids["cats"]!, `v${viewer}`, 1);
  await store.recordView(ids["volcano_tag"]!, "v0", 1);
});
afterAll(async () => {
  await harness.close();
});

const search = async (query: string, extra: Record<string, unknown> = {}, userId?: string) =>
  (await (await harness.client(SearchService, userId)).searchVideos({ query, ...extra })).videos.map((video) => video.id);
const key = (id: string) => Object.entries(ids).find(([, value]) => value === id)?.[0];

describe("SearchService", () => {
  it("ranks an exact title first, then title over tags over description", async () => {
    expect((await search("Volcano eruption footage")).map(key)[0]).toBe("volcano");
    expect((await search("volcano")).map(key)).toEqual(["volcano", "volcano_tag", "volcano_doc"]);
  });

  it("still finds a video with a one-letter typo", async () => {
    expect((await search("volcamo")).map(key)).toContain("volcano");
    expect((await search("kubernetse")).map(key)).toEqual(["kube"]);
    expect((await search("cats playing pianp")).map(key)[0]).toBe("cats");
  });

  it("never shows private, unlisted or unfinished videos, not even to their owner", async () => {
    const all = (await search("volcano")).map(key);
    expect(all).not.toContain("secret");
    expect(all).not.toContain("unlisted");
    expect(all).not.toContain("processing");
    expect(await search("Volcano secret lair")).toEqual([]);
  });

  it("filters by channel, duration and upload date, and sorts by newest and most viewed", async () => {
    expect((await search("volcano", { channelId: bobChannel })).map(key).sort()).toEqual(["volcano_doc", "volcano_tag"]);
    expect((await search("volcano", { minDuration: durationFromMs(200_000), maxDuration: durationFromMs(400_000) })).map(key)).toEqual(["volcano_tag"]);
    expect((await search("cats", { uploadedAfter: timestampFromDate(createdBetween) })).map(key)).toEqual(["cats"]);
    expect((await search("volcano", { uploadedAfter: timestampFromDate(createdBetween) })).map(key)).toEqual([]);
    expect((await search("volcano", { sort: SearchSort.NEWEST })).map(key)).toEqual(["volcano_tag", "volcano_doc", "volcano"]);
    expect((await search("volcano", { sort: SearchSort.MOST_VIEWED })).map(key)[0]).toBe("volcano_tag");
    expect((await search("cats", { sort: SearchSort.MOST_VIEWED })).map(key)).toEqual(["cats"]);
  });

  it("pages with a cursor bound to the query", async () => {
    const client = await harness.client(SearchService);
    const first = await client.searchVideos({ query: "volcano", pageSize: 2 });
    expect(first.videos.map((video) => key(video.id))).toEqual(["volcano", "volcano_tag"]);
    const second = await client.searchVideos({ query: "volcano", pageSize: 2, pageToken: first.nextPageToken });
    expect(second.videos.map((video) => key(video.id))).toEqual(["volcano_doc"]);
    expect(second.nextPageToken).toBe("");
    const wrong = await client.searchVideos({ query: "cats", pageToken: first.nextPageToken }).catch((err: unknown) => ConnectError.from(err).code);
    expect(wrong).toBe(Code.InvalidArgument);
    const blank = await client.searchVideos({ query: "" }).catch((err: unknown) => ConnectError.from(err).code);
    expect(blank).toBe(Code.InvalidArgument);
  });
});
