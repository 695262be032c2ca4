// What must hold after each fault of ./dev.sh chaos (and loadtest/chaos.test.ts),
// read from outside the services: the public API through the gateway, the HLS
// edge, the outbox tables in PostgreSQL and the consumer groups' offsets in Kafka.
import { setTimeout as sleep } from "node:timers/promises";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { VideoStatus, type Video } from "../../gen/xtream/catalog/v1/resources_pb.js";
import { PlaybackService } from "../../gen/xtream/playback/v1/playback_service_pb.js";
import { bearer, type PublicApi } from "./api.ts";

/** One invariant's verdict. */
export interface InvariantResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** An upload whose FinishUpload answered OK. */
export interface FinishedUpload {
  videoId: string;
  title: string;
}

/** Where to look. */
export interface InvariantOptions {
  api: PublicApi;
  gatewayUrl: string;
  token: string;
  channelId: string;
  uploads: FinishedUpload[];
  databaseUrl: string;
  kafkaBrokers: string[];
  /** How long a video may stay UPLOADING/PROCESSING, the outbox hold rows, a group lag, after the fault. */
  boundMs: number;
  /** Check the published playlists of at most this many READY videos (the newest); default 4. */
  playlistSample?: number;
}

/** Runs every check; each waits up to the bound for its condition. */
export async function checkInvariants(options: InvariantOptions): Promise<InvariantResult[]> {
  const deadline = Date.now() + options.boundMs;
  const results: InvariantResult[] = [];
  const videos = await settledVideos(options, deadline);
  results.push(settled(options.uploads, videos));
  results.push(await readyOnce(options, videos));
  results.push(uniqueRenditions(videos));
  results.push(await playlistsComplete(options, videos));
  results.push(await outboxDrained(options.databaseUrl, deadline));
  results.push(await lagZero(options.kafkaBrokers, deadline));
  return results;
}

/** Polls GetVideo until every upload is READY or FAILED, or the deadline passes. */
async function settledVideos(options: InvariantOptions, deadline: number): Promise<Map<string, Video | undefined>> {
  const videos = new Map<string, Video | undefined>();
  for (;;) {
    for (const upload of options.uploads) {
      const known = videos.get(upload.videoId);
      if (known && isFinal(known)) continue;
      try {
        videos.set(upload.videoId, (await options.api.videos.getVideo({ videoId: upload.videoId }, { ...bearer(options.token), timeoutMs: 5000 })).video);
      } catch {
        videos.set(upload.videoId, undefined);
      }
    }
    if ([...videos.values()].every((video) => video && isFinal(video)) || Date.now() > deadline) return videos;
    await sleep(1000);
  }
}

const isFinal = (video: Video) => video.status === VideoStatus.READY || (video.status === VideoStatus.FAILED && video.failureReason !== "");

function settled(uploads: FinishedUpload[], videos: Map<string, Video | undefined>): InvariantResult {
  const stuck = uploads.filter((upload) => {
    const video = videos.get(upload.videoId);
    return !video || !isFinal(video);
  });
  const failed = [...videos.values()].filter((video) => video?.status === VideoStatus.FAILED);
  return {
    name: "settled",
    ok: stuck.length === 0,
    detail: stuck.length
      ? `${stuck.length} of ${uploads.length} not READY/FAILED-with-reason: ${stuck.slice(0, 5).map((u) => `${u.videoId}=${VideoStatus[videos.get(u.videoId)?.status ?? 0]}`).join(", ")}${stuck.length > 5 ? ", …" : ""}`
      : `${uploads.length} upload(s) READY or FAILED with a reason${failed.length ? ` (failed: ${failed.map((v) => v!.failureReason).join("; ")})` : ""}`,
  };
}

/** Every upload's title names exactly one row (its video), and that row is the video FinishUpload returned. */
async function readyOnce(options: InvariantOptions, videos: Map<string, Video | undefined>): Promise<InvariantResult> {
  const rows: Video[] = [];
  let pageToken = "";
  do {
    const page = await options.api.videos.listVideos({ channelId: options.channelId, pageSize: 100, pageToken }, bearer(options.token));
    rows.push(...page.videos);
    pageToken = page.nextPageToken;
  } while (pageToken);
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const row of rows) {
    if (ids.has(row.id)) problems.push(`row ${row.id} listed twice`);
    ids.add(row.id);
  }
  for (const upload of options.uploads) {
    const ready = rows.filter((row) => row.title === upload.title && row.status === VideoStatus.READY);
    if (ready.length > 1) problems.push(`"${upload.title}" READY ${ready.length} times`);
    if (!ids.has(upload.videoId)) problems.push(`${upload.videoId} missing from its channel`);
    if (videos.get(upload.videoId)?.status === VideoStatus.READY && ready[0]?.id !== upload.videoId) problems.push(`"${upload.title}" READY as another video`);
  }
  return { name: "ready_once", ok: problems.length === 0, detail: problems.length ? problems.join("; ") : `${rows.length} catalog row(s), no duplicates` };
}

function uniqueRenditions(videos: Map<string, Video | undefined>): InvariantResult {
  const problems: string[] = [];
  for (const video of videos.values()) {
    if (!video) continue;
    const names = video.renditions.map((rendition) => rendition.name);
    if (new Set(names).size !== names.length) problems.push(`${video.id}: ${names.join(",")}`);
    if (video.status === VideoStatus.READY && names.length === 0) problems.push(`${video.id}: READY without renditions`);
  }
  return { name: "renditions_unique", ok: problems.length === 0, detail: problems.length ? problems.join("; ") : "each video's renditions are distinct" };
}

/** Through the edge: every media playlist the master names, and every segment they name, is served. */
async function playlistsComplete(options: InvariantOptions, videos: Map<string, Video | undefined>): Promise<InvariantResult> {
  const playback: Client<typeof PlaybackService> = createClient(PlaybackService, createConnectTransport({ baseUrl: options.gatewayUrl, httpVersion: "1.1" }));
  const ready = [...videos.values()].filter((video): video is Video => video?.status === VideoStatus.READY).slice(-(options.playlistSample ?? 4));
  const missing: string[] = [];
  let segments = 0;
  for (const video of ready) {
    try {
      const info = await playback.getPlaybackInfo({ videoId: video.id }, { ...bearer(options.token), timeoutMs: 5000 });
      const master = new URL(info.masterPlaylistUrl);
      const masterText = await fetchText(master);
      if (!masterText) {
        missing.push(`${video.id}/master`);
        continue;
      }
      for (const uri of playlistUris(masterText)) {
        const playlistUrl = resolve(uri, master);
        const playlist = await fetchText(playlistUrl);
        if (!playlist) {
          missing.push(`${video.id}/${uri}`);
          continue;
        }
        for (const segment of playlistUris(playlist)) {
          segments++;
          const response = await fetch(resolve(segment, playlistUrl), { signal: AbortSignal.timeout(5000) });
          await response.arrayBuffer();
          if (!response.ok) missing.push(`${video.id}/${segment} (${response.status})`);
        }
      }
    } catch (err) {
      missing.push(`${video.id}: ${(err as Error).message}`);
    }
  }
  return {
    name: "playlists_complete",
    ok: missing.length === 0,
    detail: missing.length ? `missing: ${missing.slice(0, 5).join(", ")}` : `${ready.length} READY video(s), ${segments} segment(s) served`,
  };
}

/** A relative URI resolved against the playlist's URL, keeping its query (the playback token). */
function resolve(uri: string, base: URL): URL {
  const url = new URL(uri, base);
  if (!url.search) url.search = base.search;
  return url;
}

const playlistUris = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));

async function fetchText(url: URL): Promise<string | undefined> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  return response.ok ? text : undefined;
}

/** No outbox table (one per service schema) holds an unpublished, unquarantined row. */
async function outboxDrained(databaseUrl: string, deadline: number): Promise<InvariantResult> {
  let pending = -1;
  let error = "";
  while (Date.now() <= deadline || pending < 0) {
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      const tables = await client.query<{ schema: string }>(
        "SELECT table_schema AS schema FROM information_schema.columns WHERE table_name = 'outbox' AND column_name = 'published_at'",
      );
      pending = 0;
      for (const { schema } of tables.rows) {
        const quarantine = (await client.query("SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'outbox' AND column_name = 'quarantined_at'", [schema])).rowCount;
        const where = `published_at IS NULL${quarantine ? " AND quarantined_at IS NULL" : ""}`;
        const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${pg.escapeIdentifier(schema)}.outbox WHERE ${where}`);
        pending += Number(rows[0]?.n ?? 0);
      }
      error = "";
    } catch (err) {
      error = (err as Error).message;
    } finally {
      await client.end().catch(() => undefined);
    }
    if (pending === 0 || Date.now() > deadline) break;
    await sleep(1000);
  }
  return { name: "outbox_drained", ok: pending === 0, detail: error ? `could not read: ${error}` : `${pending} unpublished row(s)` };
}

/** Every consumer group with live members has consumed up to the end of each topic it reads. */
async function lagZero(brokers: string[], deadline: number): Promise<InvariantResult> {
  const admin = new Kafka({ clientId: "xtream-chaos-check", brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  let lagging: string[] = [];
  let error: string;
  try {
    await admin.connect();
    for (;;) {
      lagging = [];
      try {
        const { groups } = await admin.listGroups();
        const described = await admin.describeGroups(groups.map((group) => group.groupId));
        for (const group of described.groups.filter((g) => g.state === "Stable")) {
          for (const { topic, partitions } of await admin.fetchOffsets({ groupId: group.groupId })) {
            const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
            const lag = partitions.reduce((sum, p) => sum + (Number(p.offset) < 0 ? 0 : Math.max(0, (ends.get(p.partition) ?? 0) - Number(p.offset))), 0);
            if (lag > 0) lagging.push(`${group.groupId}/${topic}=${lag}`);
          }
        }
        error = "";
      } catch (err) {
        error = (err as Error).message;
      }
      if ((lagging.length === 0 && !error) || Date.now() > deadline) break;
      await sleep(1000);
    }
  } catch (err) {
    error = (err as Error).message;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return { name: "lag_zero", ok: lagging.length === 0 && !error, detail: error ? `could not read: ${error}` : lagging.length ? lagging.join(", ") : "every live group is caught up" };
}
