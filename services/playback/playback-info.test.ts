import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServiceClient } from "../../lib/grpc/index.ts";
import { VideoStatus, Visibility } from "../../gen/xtream/catalog/v1/resources_pb.js";
import { PlaybackService } from "../../gen/xtream/playback/v1/playback_service_pb.js";
import { publishFixture, startTestEdge, startVideoDirectory, type TestEdge } from "./testing.ts";

// GetPlaybackInfo through a real gRPC server; its URLs then open the edge.
let directory: Awaited<ReturnType<typeof startVideoDirectory>>;
let edge: TestEdge;
const owner = randomUUID();
const publicVideo = randomUUID();
const unlistedVideo = randomUUID();
const privateVideo = randomUUID();
const processingVideo = randomUUID();

beforeAll(async () => {
  directory = await startVideoDirectory();
  directory.videos.set(publicVideo, { visibility: Visibility.PUBLIC, ownerId: owner });
  directory.videos.set(unlistedVideo, { visibility: Visibility.UNLISTED, ownerId: owner });
  directory.videos.set(privateVideo, { visibility: Visibility.PRIVATE, ownerId: owner });
  directory.videos.set(processingVideo, { visibility: Visibility.PUBLIC, ownerId: owner, status: VideoStatus.PROCESSING });
  await Promise.all([publishFixture(unlistedVideo), publishFixture(privateVideo)]);
  edge = await startTestEdge({ catalogAddress: directory.address });
});

afterAll(async () => {
  await edge?.close();
  await directory?.close();
});

const client = async (userId?: string) => {
  const token = userId ? await directory.tokens.tokenFor({ userId, handle: "someone" }) : undefined;
  return createServiceClient(PlaybackService, {
    address: edge.grpcAddress,
    interceptors: [
      (next) => async (request) => {
        if (token) request.header.set("authorization", `Bearer ${token}`);
        return next(request);
      },
    ],
  });
};
const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return ConnectError.from(err).code;
  }
};

describe("GetPlaybackInfo", () => {
  it("gives public videos plain URLs and no token", async () => {
    const info = await (await client()).getPlaybackInfo({ videoId: publicVideo });
    expect(info.masterPlaylistUrl).toBe(`http://edge.test/v/${publicVideo}/master.m3u8`);
    expect(info.posterUrl).toBe(`http://edge.test/v/${publicVideo}/poster.jpg`);
    expect(info.storyboardVttUrl).toBe(`http://edge.test/v/${publicVideo}/storyboard.vtt`);
    expect(info.token).toBe("");
    expect(info.complete).toBe(true);
    expect(info.renditions.map((rendition) => rendition.playlistUrl)).toEqual([
      `http://edge.test/v/${publicVideo}/240p/index.m3u8`,
      `http://edge.test/v/${publicVideo}/360p/index.m3u8`,
    ]);
    expect(info.duration?.seconds).toBe(3n);
  });

  it("gives unlisted videos to anyone and private ones to their owner, with a token that opens the edge", async () => {
    for (const [videoId, caller] of [
      [unlistedVideo, undefined],
      [privateVideo, owner],
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

  it("hides private videos from others, refuses unplayable ones and validates input", async () => {
    expect(await codeOf((await client()).getPlaybackInfo({ videoId: privateVideo }))).toBe(Code.NotFound);
    expect(await codeOf((await client(randomUUID())).getPlaybackInfo({ videoId: privateVideo }))).toBe(Code.NotFound);
    expect(await codeOf((await client()).getPlaybackInfo({ videoId: randomUUID() }))).toBe(Code.NotFound);
    expect(await codeOf((await client()).getPlaybackInfo({ videoId: processingVideo }))).toBe(Code.FailedPrecondition);
    expect(await codeOf((await client()).getPlaybackInfo({ videoId: "../etc/passwd" }))).toBe(Code.InvalidArgument);
  });
});
