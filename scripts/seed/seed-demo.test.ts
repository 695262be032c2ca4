// `./dev.sh seed` against a real platform (every service and the gateway, on
// ports of their own, against the real stack): the demo videos go through the
// public API to READY and PUBLIC, appear in the anonymous home feed and in the
// demo playlist; a second run adds nothing; an upload a run left unfinished is
// replaced. The account is a fresh one per run, and its channel is deleted at
// the end, so the shared database keeps no test videos on its home page.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VideoStatus, Visibility, type Video } from "../../gen/xtream/catalog/v1/resources_pb.js";
import { startPlatform, type Platform } from "../../test/web/platform.ts";
import { createSeedApi } from "./api.ts";
import { DEMO_VIDEOS, type DemoVideo } from "./catalogue.ts";
import type { SeedReporter } from "./progress.ts";
import { credentialsFile, runSeed, type SeedOptions, type SeedResult } from "./seed-demo.ts";

const suffix = randomBytes(3).toString("hex");
let platform: Platform;
let stateDir: string;
let options: SeedOptions;
let first: SeedResult;
const uploads = new Map<string, number>();
const updates: Video[] = [];
const reporter: SeedReporter = {
  step() {},
  uploadProgress: (title, sent, total) => uploads.set(title, Math.round((sent / total) * 100)),
  videoUpdate: (video) => updates.push(video),
};

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "xtream-seed-"));
  platform = await startPlatform({ portOffset: 800 });
  options = {
    gatewayUrl: platform.url,
    stateDir,
    account: { email: `seed-${suffix}@example.test`, handle: `seed_${suffix}`, displayName: "Seed Test" },
    channelHandle: `seedch_${suffix}`,
    ffmpegPath: process.env["FFMPEG_PATH"] ?? "ffmpeg",
    transcodeTimeoutMs: 240_000,
    reporter,
  };
}, 120_000);

/**
 * The demo user's own clients, signed in once: identity allows 5 sign-in
 * attempts a minute per account, and the seed runs here use 3 of them.
 */
let ownerApi: ReturnType<typeof createSeedApi> | undefined;
async function owner(): Promise<ReturnType<typeof createSeedApi>> {
  if (ownerApi) return ownerApi;
  const api = createSeedApi(platform.url);
  const credentials = JSON.parse(await readFile(credentialsFile(stateDir), "utf8")) as { email: string; password: string };
  api.setAccessToken((await api.identity.login(credentials)).session?.accessToken ?? "");
  return (ownerApi = api);
}

afterAll(async () => {
  try {
    if (first) await (await owner()).channels.deleteChannel({ channelId: first.channel.id });
  } finally {
    await platform?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  }
}, 60_000);

/** Ids of the anonymous home feed (newest first), at most `pages` pages. */
async function feedIds(pages: number): Promise<Set<string>> {
  const api = createSeedApi(platform.url);
  const ids = new Set<string>();
  let pageToken = "";
  for (let i = 0; i < pages; i++) {
    const page = await api.videos.listFeed({ pageSize: 100, pageToken });
    for (const video of page.videos) ids.add(video.id);
    pageToken = page.nextPageToken;
    if (!pageToken) break;
  }
  return ids;
}

async function channelVideos(): Promise<Video[]> {
  const api = createSeedApi(platform.url);
  return (await api.videos.listVideos({ channelId: first.channel.id, pageSize: 100 })).videos;
}

async function playlistVideoIds(playlistId: string): Promise<string[]> {
  const api = createSeedApi(platform.url);
  return (await api.playlists.listPlaylistItems({ playlistId, pageSize: 200 })).items.map((item) => item.videoId);
}

describe("./dev.sh seed", () => {
  it("publishes the demo clips through the public API: READY, public, tagged, in the home feed and the demo playlist", async () => {
    first = await runSeed(options);
    expect(first.registered).toBe(true);
    expect(first.created.map((v) => v.title)).toEqual(DEMO_VIDEOS.map((d) => d.title));
    expect(first.skipped).toEqual([]);
    for (const [i, video] of first.created.entries()) {
      const demo = DEMO_VIDEOS[i]!;
      expect(video.status, video.title).toBe(VideoStatus.READY);
      expect(video.visibility, video.title).toBe(Visibility.PUBLIC);
      expect(video.tags).toEqual(demo.tags);
      expect(video.channelId).toBe(first.channel.id);
      expect(Number(video.duration?.seconds ?? 0)).toBeGreaterThanOrEqual(demo.clip.seconds - 1);
      expect(video.renditions.length, video.title).toBeGreaterThan(0);
      // The shape and the audio track survive the ladder: portrait stays portrait, silent has no AAC.
      const top = video.renditions[0]!;
      expect(top.height > top.width, video.title).toBe(demo.clip.height > demo.clip.width);
      expect(top.codecs.includes("mp4a"), video.title).toBe(Boolean(demo.clip.audio));
      expect(uploads.get(demo.title)).toBe(100);
    }
    const shapes = DEMO_VIDEOS.map((d) => `${d.clip.width > d.clip.height ? "landscape" : "portrait"}${d.clip.audio ? "" : ", silent"}`);
    expect(shapes).toEqual(expect.arrayContaining(["landscape", "portrait", "landscape, silent"]));
    // Progress came from the live status stream: processing first, then READY.
    expect(updates.some((v) => v.status === VideoStatus.PROCESSING)).toBe(true);
    expect(new Set(updates.filter((v) => v.status === VideoStatus.READY).map((v) => v.id))).toEqual(new Set(first.created.map((v) => v.id)));

    const feed = await feedIds(5);
    for (const video of first.created) expect(feed.has(video.id), `${video.title} in ListFeed`).toBe(true);
    expect(await playlistVideoIds(first.playlist.id)).toEqual(first.created.map((v) => v.id));
    expect(first.playlist.visibility).toBe(Visibility.PUBLIC);

    // The generated password is kept only in the state folder, readable by its owner alone.
    const file = credentialsFile(stateDir);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(file, "utf8")) as { email: string; password: string };
    expect(saved.email).toBe(options.account.email);
    expect(saved.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
  }, 420_000);

  it("adds nothing on a second run (signs in with the saved password, skips every title)", async () => {
    const before = (await channelVideos()).map((v) => v.id).sort();
    const second = await runSeed(options);
    expect(second.registered).toBe(false);
    expect(second.created).toEqual([]);
    expect(second.replaced).toBe(0);
    expect(second.skipped.map((v) => v.id).sort()).toEqual(first.created.map((v) => v.id).sort());
    expect(second.channel.id).toBe(first.channel.id);
    expect(second.playlist.id).toBe(first.playlist.id);
    expect((await channelVideos()).map((v) => v.id).sort()).toEqual(before);
    expect(await playlistVideoIds(first.playlist.id)).toEqual(first.created.map((v) => v.id));
  }, 120_000);

  it("refuses, readably, an existing demo account whose password file is gone, and leaves no file behind", async () => {
    const otherDir = await mkdtemp(join(tmpdir(), "xtream-seed-lost-"));
    try {
      // The same handle under another email: taken all the same, without spending the account's sign-in attempts.
      const account = { ...options.account, email: `seed-other-${suffix}@example.test` };
      await expect(runSeed({ ...options, account, stateDir: otherDir })).rejects.toThrow(/already exists, and there was no .*demo-user\.json/);
      expect(existsSync(credentialsFile(otherDir))).toBe(false);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  }, 60_000);

  it("replaces a video whose upload an earlier run never finished", async () => {
    const extra: DemoVideo = {
      key: "interrupted",
      title: `Interrupted upload ${suffix}`,
      description: "Left in UPLOADING by a run that stopped.",
      tags: ["test"],
      language: "en",
      clip: { width: 320, height: 180, seconds: 2, video: "testsrc2=size=320x180:rate=30" },
    };
    const { session } = await (await owner()).uploads.startUpload({
      metadata: { channelId: first.channel.id, title: extra.title, description: "", contentType: "video/mp4", sizeBytes: 1000n, filename: "x.mp4" },
    });
    const stuck = session!.videoId;

    const third = await runSeed({ ...options, videos: [...DEMO_VIDEOS, extra] });
    expect(third.replaced).toBe(1);
    expect(third.created.map((v) => v.title)).toEqual([extra.title]);
    expect(third.created[0]!.id).not.toBe(stuck);
    expect(third.created[0]!.status).toBe(VideoStatus.READY);
    const titles = (await channelVideos()).map((v) => v.title);
    expect(titles.filter((t) => t === extra.title)).toHaveLength(1);
    expect(titles).toHaveLength(DEMO_VIDEOS.length + 1);
    expect(await playlistVideoIds(first.playlist.id)).toEqual([...first.created.map((v) => v.id), third.created[0]!.id]);
  }, 300_000);
});
