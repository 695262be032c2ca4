import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendServiceKey } from "../../../lib/auth/index.ts";
import { createServiceClient, forwardAuthorization } from "../../../lib/grpc/index.ts";
import { codeOf, createTestTokens, TEST_SERVICE_KEY } from "../../../lib/testing/index.ts";
import { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { Visibility } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { PlaybackService } from "../../../gen/xtream/playback/v1/playback_service_pb.js";
import { startCatalogHarness, type CatalogHarness } from "../../catalog/testing.ts";
import { publishFixture, startTestEdge, type TestEdge } from "../testing.ts";

// GetPlaybackInfo against the real catalog server (its own throwaway
// PostgreSQL database); the URLs it returns then open the real edge.
let catalog: CatalogHarness;
let tokens: Awaited<ReturnType<typeof createTestTokens>>;
let edge: TestEdge;
const owner = "5d3c4b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
const THREE_HOURS_MS = 3 * 3600_000;
const videos = { public: "", unlisted: "", private: "", long: "", uploading: "" };

const bearer = (token: string | undefined) => forwardAuthorization(token && `Bearer ${token}`);
const tokenOf = (userId: string | undefined) => (userId ? tokens.tokenFor({ userId, handle: `u${userId.slice(0, 8)}` }) : Promise.resolve(undefined));

beforeAll(async () => {
  tokens = await createTestTokens();
  catalog = await startCatalogHarness({ verifier: tokens.verifier, events: true });
  const ownerToken = await tokenOf(owner);
  const channels = createServiceClient(ChannelService, { address: catalog.address, interceptors: [bearer(ownerToken)] });
  // As the upload service does: CreateVideo is internal to it.
  const catalogVideos = createServiceClient(VideoService, { address: catalog.address, interceptors: [bearer(ownerToken), sendServiceKey(TEST_SERVICE_KEY)] });
  const { channel } = await channels.createChannel({ handle: `playback_${Date.now().toString(36)}`, title: "Playback tests" });
  const create = async (title: string, visibility: Visibility) =>
    (await catalogVideos.createVideo({ channelId: channel!.id, title, visibility })).video!.id;
  videos.public = await create("Open", Visibility.PUBLIC);
  videos.unlisted = await create("Link only", Visibility.UNLISTED);
  videos.private = await create("Secret", Visibility.PRIVATE);
  videos.long = await create("Three hours", Visibility.PRIVATE);
  videos.uploading = await create("Not there yet", Visibility.PUBLIC);
  // READY as the pipeline makes it: video.transcoded through Kafka to the catalog's consumer.
  const renditions = [
    { name: "240p", width: 426, height: 240, bandwidth: 300_000, codecs: "avc1.42c01e", playlistPath: "240p/index.m3u8" },
    { name: "360p", width: 640, height: 360, bandwidth: 600_000, codecs: "avc1.42c01e", playlistPath: "360p/index.m3u8" },
  ];
  for (const id of [videos.public, videos.unlisted, videos.private]) await catalog.markReady(id, { durationMs: 3000, renditions });
  await catalog.markReady(videos.long, { durationMs: THREE_HOURS_MS, renditions });
  await Promise.all([publishFixture(videos.unlisted), publishFixture(videos.private)]);
  edge = await startTestEdge({ catalogAddress: catalog.address, tokens: { durationMarginSeconds: 600, maxTtlSeconds: 12 * 3600 } });
});

afterAll(async () => {
  await edge?.close();
  await catalog?.close();
});

const client = async (userId?: string) =>
  createServiceClient(PlaybackService, { address: edge.grpcAddress, interceptors: [bearer(await tokenOf(userId))] });

describe("GetPlaybackInfo", () => {
  it("gives public videos plain URLs and no token", async () => {
    const id = videos.public;
    const info = await (await client()).getPlaybackInfo({ videoId: id });
    expect(info.masterPlaylistUrl).toBe(`http://edge.test/v/${id}/master.m3u8`);
    expect(info.posterUrl).toBe(`http://edge.test/v/${id}/poster.jpg`);
    expect(info.storyboardVttUrl).toBe(`http://edge.test/v/${id}/storyboard.vtt`);
    expect(info.token).toBe("");
    expect(info.complete).toBe(true);
    expect(info.renditions.map((rendition) => rendition.playlistUrl)).toEqual([
      `http://edge.test/v/${id}/240p/index.m3u8`,
      `http://edge.test/v/${id}/360p/index.m3u8`,
    ]);
    expect(info.duration?.seconds).toBe(3n);
  });

  it("gives unlisted videos to anyone and private ones to their owner, with a token that opens the edge", async () => {
    for (const [videoId, caller] of [
      [videos.unlisted, undefined],
      [videos.private, owner],
    ] as const) {
      const info = await (await client(caller)).getPlaybackInfo({ videoId });
      expect(info.token).not.toBe("");
      expect(info.tokenExpireTime).toBeDefined();
      expect(info.masterPlaylistUrl).toBe(`http://edge.test/v/${videoId}/t/${info.token}/master.m3u8`);
      const path = new URL(info.masterPlaylistUrl).pathname;
      expect((await fetch(`${edge.baseUrl}${path}`)).status).toBe(200);
      expect((await fetch(`${edge.baseUrl}/v/${videoId}/master.m3u8`)).status).toBe(403);
    }
  });

  it("gives a long private video a token that lasts its length plus the margin", async () => {
    const before = Date.now();
    const short = await (await client(owner)).getPlaybackInfo({ videoId: videos.private });
    const long = await (await client(owner)).getPlaybackInfo({ videoId: videos.long });
    const expiry = (info: typeof long) => Number(info.tokenExpireTime?.seconds ?? 0n) * 1000;
    // The 3 s video gets max(600 s base TTL, 3 s + 600 s margin) = 603 s; the long one 3 h + 600 s.
    expect(expiry(short)).toBeGreaterThanOrEqual(before - 1000 + 603_000);
    expect(expiry(short)).toBeLessThanOrEqual(Date.now() + 603_000);
    expect(expiry(long)).toBeGreaterThanOrEqual(before - 1000 + THREE_HOURS_MS + 600_000);
    expect(expiry(long)).toBeLessThanOrEqual(Date.now() + THREE_HOURS_MS + 600_000);
    expect(edge.tokens.verify(long.token, videos.long, before + THREE_HOURS_MS + 60_000)).toBe(true);
  });

  it("hides private videos from others, refuses unplayable ones and validates input", async () => {
    expect(await codeOf((await client()).getPlaybackInfo({ videoId: videos.private }))).toBe(Code.NotFound);
    expect(await codeOf((await client("0e9d8c7b-6a59-4483-9271-605f4e3d2c1b")).getPlaybackInfo({ videoId: videos.private }))).toBe(Code.NotFound);
    expect(await codeOf((await client()).getPlaybackInfo({ videoId: "7c6b5a49-3827-4165-9f4e-3d2c1b0a9f8e" }))).toBe(Code.NotFound);
    expect(await codeOf((await client()).getPlaybackInfo({ videoId: videos.uploading }))).toBe(Code.FailedPrecondition);
    expect(await codeOf((await client()).getPlaybackInfo({ videoId: "../etc/passwd" }))).toBe(Code.InvalidArgument);
  });
});
