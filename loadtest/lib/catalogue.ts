// The load scenarios' own catalogue: a "loadtest" account with a channel of
// small ffmpeg-generated clips, uploaded through the public API and made public,
// plus a pool of accounts for Login. Created on first use and reused by later runs
// (what was made is remembered in .data/loadtest/state.json, git-ignored; the
// passwords are random and local).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { Code, ConnectError } from "@connectrpc/connect";
import { Visibility, VideoStatus, type Video } from "../../gen/xtream/catalog/v1/resources_pb.js";
import { bearer, createPublicApi, type PublicApi } from "./api.ts";
import { DATA_DIR, log } from "./run-tools.ts";
import { uploadFile } from "./upload.ts";

const run = promisify(execFile);
const STATE = join(DATA_DIR, "state.json");
const CLIPS = join(DATA_DIR, "clips");
const CLIP_TITLE = "Load test clip";

/** An account the scenarios sign in with. */
export interface Account {
  email: string;
  password: string;
}

/** What the scenarios play and call. */
export interface Catalogue {
  owner: Account & { accessToken: string; userId: string };
  channelId: string;
  /** Public, playable clips, in a fixed order (the scenarios make the first ones hot). */
  videos: { id: string; title: string; durationSeconds: number }[];
  /** Accounts for Login (each may sign in a few times a minute under identity's per-account limit). */
  logins: Account[];
}

interface State {
  owner?: Account;
  logins?: Account[];
}

export interface CatalogueOptions {
  gatewayUrl: string;
  /** How many clips the channel holds (default 12). */
  clips?: number;
  /** How many Login accounts (default 20). */
  logins?: number;
  /** How long to wait for transcodes (default 10 min). */
  readyTimeoutMs?: number;
}

/** Makes sure the catalogue exists (creating what is missing) and describes it. */
export async function ensureCatalogue(options: CatalogueOptions): Promise<Catalogue> {
  const api = createPublicApi(options.gatewayUrl);
  const state = await readState();
  const owner = await signIn(api, (state.owner ??= newAccount("owner")));
  // A fresh database (the owner had to be registered) knows none of the old Login accounts either.
  const logins = owner.registered ? [] : (state.logins ?? []);
  const known = logins.length;
  while (logins.length < (options.logins ?? 20)) logins.push(newAccount(`login${logins.length}`));
  if (logins.length > known) log(`catalogue: registering ${logins.length - known} Login account(s)`);
  for (const account of logins.slice(known)) await signIn(api, account, false);
  state.logins = logins;
  await writeState(state);

  const channelId = await ensureChannel(api, owner.accessToken, owner.userId);
  let videos = await listClips(api, owner.accessToken, channelId);
  const want = options.clips ?? 12;
  const usable = videos.filter((v) => v.status !== VideoStatus.FAILED);
  if (usable.length < want) {
    log(`catalogue: uploading ${want - usable.length} clip(s) through the public API (first run only)`);
    for (let index = usable.length; index < want; index++) {
      const clip = await makeClip(index);
      const videoId = await uploadFile(api, owner.accessToken, { channelId, title: `${CLIP_TITLE} ${index + 1}`, path: clip.path, sizeBytes: clip.sizeBytes });
      await api.videos.setVideoVisibility({ videoId, visibility: Visibility.PUBLIC }, bearer(owner.accessToken));
    }
  }
  const deadline = Date.now() + (options.readyTimeoutMs ?? 600_000);
  for (;;) {
    videos = await listClips(api, owner.accessToken, channelId);
    const ready = videos.filter((v) => v.status === VideoStatus.READY);
    const pending = videos.filter((v) => v.status === VideoStatus.PROCESSING || v.status === VideoStatus.UPLOADING);
    if (ready.length >= want || pending.length === 0) break;
    if (Date.now() > deadline) throw new Error(`catalogue: ${pending.length} clip(s) still transcoding after ${Math.round((options.readyTimeoutMs ?? 600_000) / 1000)} s`);
    log(`catalogue: waiting for transcodes (${ready.length}/${want} ready)`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
  const ready = videos.filter((v) => v.status === VideoStatus.READY && v.visibility === Visibility.PUBLIC);
  if (ready.length === 0) throw new Error("catalogue: no clip is READY and public (see ./dev.sh logs transcoder)");
  ready.sort((a, b) => clipNumber(a) - clipNumber(b));
  return {
    owner: { ...state.owner, accessToken: owner.accessToken, userId: owner.userId },
    channelId,
    videos: ready.map((v) => ({ id: v.id, title: v.title, durationSeconds: Number(v.duration?.seconds ?? 0n) + (v.duration?.nanos ?? 0) / 1e9 })),
    logins,
  };
}

const clipNumber = (video: Video) => Number(/(\d+)$/.exec(video.title)?.[1] ?? 0);

function newAccount(role: string): Account {
  const suffix = randomBytes(4).toString("hex");
  return { email: `loadtest_${role}_${suffix}@example.com`, password: randomBytes(18).toString("base64url") };
}

/** Logs in, registering the account when it does not exist (a fresh database). */
async function signIn(api: PublicApi, account: Account, verbose = true): Promise<{ accessToken: string; userId: string; registered: boolean }> {
  try {
    const { session, user } = await api.identity.login(account);
    return { accessToken: session!.accessToken, userId: user!.id, registered: false };
  } catch (err) {
    if (ConnectError.from(err).code !== Code.Unauthenticated) throw err;
    if (verbose) log(`catalogue: registering ${account.email}`);
    const handle = account.email.split("@")[0]!.slice(0, 30);
    const { session, user } = await api.identity.register({ ...account, handle, displayName: "Load test" });
    return { accessToken: session!.accessToken, userId: user!.id, registered: true };
  }
}

async function ensureChannel(api: PublicApi, token: string, userId: string): Promise<string> {
  const { channels } = await api.channels.listChannels({ ownerId: userId, pageSize: 10 });
  if (channels[0]) return channels[0].id;
  const { channel } = await api.channels.createChannel({ handle: `loadtest_${randomBytes(3).toString("hex")}`, title: "Load test", description: "Clips for ./dev.sh load" }, bearer(token));
  return channel!.id;
}

async function listClips(api: PublicApi, token: string, channelId: string): Promise<Video[]> {
  const all: Video[] = [];
  let pageToken = "";
  do {
    const page = await api.videos.listVideos({ channelId, pageSize: 100, pageToken }, bearer(token));
    all.push(...page.videos.filter((v) => v.title.startsWith(CLIP_TITLE)));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return all;
}

/** An H.264/AAC clip of moving test patterns, 8 to 20 s long, 640x360 (so a 360p and a 240p rung). */
async function makeClip(index: number): Promise<{ path: string; sizeBytes: number }> {
  await mkdir(CLIPS, { recursive: true });
  const seconds = 8 + ((index * 5) % 13);
  const path = join(CLIPS, `clip-${index + 1}-${seconds}s.mp4`);
  if (!existsSync(path)) {
    const ffmpeg = process.env["FFMPEG_PATH"] ?? "ffmpeg";
    const video = `testsrc2=size=640x360:rate=30,noise=alls=20:allf=t,hue=h=${index * 29}`;
    await run(ffmpeg, [
      ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", video, "-f", "lavfi", "-i", `sine=frequency=${220 + index * 40}:sample_rate=48000`],
      ...["-t", String(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "1500k", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-shortest", "-movflags", "+faststart", path],
    ]);
  }
  return { path, sizeBytes: (await stat(path)).size };
}

async function readState(): Promise<State> {
  try {
    return JSON.parse(await readFile(STATE, "utf8")) as State;
  } catch {
    return {};
  }
}

async function writeState(state: State): Promise<void> {
  await mkdir(DATA_DIR, { recursive: true });
  await writeFile(STATE, JSON.stringify(state, null, 2), { mode: 0o600 });
}
