/**
 * `./dev.sh seed`: fills a running platform with the demo channel through the
 * public API, as a person using the web app would: sign in (or sign up) as the
 * demo user, create the channel, upload each clip over the resumable upload
 * RPCs, make it public with tags, follow its transcoding to READY, and put the
 * videos in a public playlist. Idempotent: a video whose title the channel
 * already has is skipped (one stuck in UPLOADING or FAILED is replaced).
 * A first run makes about 30 calls (a second one 5), far below the gateway's
 * per-address limit (GATEWAY_RATE_LIMIT, 600 a minute); it signs in once
 * (identity allows 5 a minute per account) and registers once, ever.
 */
import { join } from "node:path";
import { VideoStatus, Visibility, type Channel, type Playlist, type Video } from "../../gen/xtream/catalog/v1/resources_pb.js";
import type { User } from "../../gen/xtream/identity/v1/identity_service_pb.js";
import { createSeedApi, type SeedApi } from "./api.ts";
import { DEMO_CHANNEL, DEMO_PLAYLIST, DEMO_VIDEOS, type DemoVideo } from "./catalogue.ts";
import { ensureChannel } from "./channel.ts";
import { ensureClip } from "./clips.ts";
import { ensureDemoUser, type DemoAccount } from "./demo-user.ts";
import { ensurePlaylist } from "./playlist.ts";
import { silentReporter, type SeedReporter } from "./progress.ts";
import { uploadFile } from "./upload.ts";
import { waitUntilReady } from "./wait-ready.ts";

/** Where and as whom to seed. */
export interface SeedOptions {
  /** The gateway, for example http://127.0.0.1:8080. */
  gatewayUrl: string;
  /** Holds demo-user.json (the generated password) and the clip cache. */
  stateDir: string;
  account: DemoAccount;
  channelHandle: string;
  ffmpegPath: string;
  /** Defaults to the demo catalogue. */
  videos?: DemoVideo[];
  /** How long to wait for each video to be READY (default 10 minutes). */
  transcodeTimeoutMs?: number;
  reporter?: SeedReporter;
}

/** What a run did. */
export interface SeedResult {
  user: User;
  /** Where the demo user's email and password are. */
  credentialsPath: string;
  registered: boolean;
  channel: Channel;
  /** Uploaded by this run, now READY. */
  created: Video[];
  /** Already on the channel (now READY too). */
  skipped: Video[];
  /** Earlier uploads that never finished or failed, deleted and uploaded again. */
  replaced: number;
  playlist: Playlist;
}

/** Where the demo user's credentials live under a state folder. */
export const credentialsFile = (stateDir: string) => join(stateDir, "demo-user.json");

/** Seeds the demo channel; see the file comment. */
export async function runSeed(options: SeedOptions): Promise<SeedResult> {
  const report = options.reporter ?? silentReporter;
  const catalogue = options.videos ?? DEMO_VIDEOS;
  const timeoutMs = options.transcodeTimeoutMs ?? 10 * 60_000;
  const api = createSeedApi(options.gatewayUrl);
  const credentialsPath = credentialsFile(options.stateDir);

  report.step(`signing in as the demo user ${options.account.email} (password in ${credentialsPath})`);
  const { user, registered } = await ensureDemoUser(api, credentialsPath, options.account, options.gatewayUrl);
  if (registered) report.step(`created the demo user @${user.handle}`);
  const { channel, created: channelCreated } = await ensureChannel(api, user.id, { handle: options.channelHandle, ...DEMO_CHANNEL });
  report.step(`${channelCreated ? "created" : "using"} the channel "${channel.title}" (@${channel.handle})`);

  const existing = await videosByTitle(api, channel.id);
  const skipped: Video[] = [];
  const todo: DemoVideo[] = [];
  let replaced = 0;
  for (const demo of catalogue) {
    const found = existing.get(demo.title);
    if (found && (found.status === VideoStatus.PROCESSING || found.status === VideoStatus.READY)) {
      skipped.push(found);
      continue;
    }
    if (found) {
      // An upload a previous run did not finish, or a failed transcode: start that one again.
      await api.videos.deleteVideo({ videoId: found.id });
      replaced++;
    }
    todo.push(demo);
  }
  if (skipped.length) report.step(`already on the channel, skipped: ${skipped.map((v) => `"${v.title}"`).join(", ")}`);

  const uploaded: { demo: DemoVideo; videoId: string }[] = [];
  if (todo.length) {
    report.step(`generating ${todo.length} clip(s) with ffmpeg`);
    const files = [];
    for (const demo of todo) {
      const clip = await ensureClip(demo.clip, demo.key, join(options.stateDir, "clips"), options.ffmpegPath);
      report.step(`  ${clip.generated ? "drew" : "cached"} ${demo.key}: ${demo.clip.width}x${demo.clip.height}, ${demo.clip.seconds} s, ${demo.clip.audio ? "with audio" : "no audio"}`);
      files.push(clip);
    }
    report.step(`uploading ${todo.length} video(s)`);
    for (const [i, demo] of todo.entries()) {
      const file = files[i]!;
      const { videoId } = await uploadFile(
        api,
        { path: file.path, sizeBytes: file.sizeBytes, channelId: channel.id, title: demo.title, description: demo.description },
        (sent, total) => report.uploadProgress(demo.title, sent, total),
      );
      await api.videos.updateVideo({ video: { id: videoId, tags: demo.tags, language: demo.language }, updateMask: { paths: ["tags", "language"] } });
      await api.videos.setVideoVisibility({ videoId, visibility: Visibility.PUBLIC });
      uploaded.push({ demo, videoId });
    }
  }

  const pending = [...uploaded.map((u) => u.videoId), ...skipped.filter((v) => v.status !== VideoStatus.READY).map((v) => v.id)];
  if (pending.length) report.step(`transcoding ${pending.length} video(s) (they appear on the home page as soon as they are playable)`);
  const ready = new Map<string, Video>();
  await Promise.all(
    pending.map(async (videoId) => {
      ready.set(videoId, await waitUntilReady(api, videoId, { timeoutMs, onUpdate: (video) => report.videoUpdate(video) }));
    }),
  );

  const created = uploaded.map((u) => ready.get(u.videoId)!);
  const skippedNow = skipped.map((v) => ready.get(v.id) ?? v);
  const byTitle = new Map([...created, ...skippedNow].map((v) => [v.title, v.id]));
  const inOrder = catalogue.map((demo) => byTitle.get(demo.title)).filter((id): id is string => Boolean(id));
  const { playlist, created: playlistCreated, added } = await ensurePlaylist(api, user.id, DEMO_PLAYLIST, inOrder);
  report.step(`${playlistCreated ? "created" : "updated"} the playlist "${playlist.title}" (${added} added)`);
  return { user, credentialsPath, registered, channel, created, skipped: skippedNow, replaced, playlist };
}

/** The channel's videos (all of them: the caller owns it) by title. */
async function videosByTitle(api: SeedApi, channelId: string): Promise<Map<string, Video>> {
  const found = new Map<string, Video>();
  let pageToken = "";
  do {
    const page = await api.videos.listVideos({ channelId, pageSize: 100, pageToken });
    for (const video of page.videos) if (video.status !== VideoStatus.DELETED && !found.has(video.title)) found.set(video.title, video);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return found;
}
