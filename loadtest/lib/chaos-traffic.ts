// The traffic ./dev.sh chaos keeps going while it kills things: a few viewers
// playing public videos (GetPlaybackInfo through the gateway, then the master
// playlist, a media playlist and a segment from the edge), and one uploader
// sending real clips with patient resumable uploads. Every request is logged
// with its time and outcome, so a fault's error window can be read afterwards.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { PlaybackService } from "../../gen/xtream/playback/v1/playback_service_pb.js";
import type { PublicApi } from "./api.ts";
import type { FinishedUpload } from "./chaos-invariants.ts";
import { patientUpload } from "./chaos-upload.ts";

/** One request's outcome. */
export interface RequestRecord {
  t: number;
  kind: "playback_info" | "edge" | "upload";
  ok: boolean;
}

/** What the traffic needs. */
export interface TrafficOptions {
  gatewayUrl: string;
  api: PublicApi;
  /** The uploader's token (refreshed by the caller through setToken). */
  token: string;
  channelId: string;
  /** Public, READY videos the viewers play. */
  videoIds: string[];
  clip: { path: string; sizeBytes: number };
  /** Prefix of the uploads' titles (unique per run). */
  titlePrefix: string;
  viewers: number;
  /** Pause between two uploads, ms. */
  uploadEveryMs: number;
  /** At most this many uploads in the run. */
  maxUploads: number;
  /** How long one upload may keep retrying. */
  uploadDeadlineMs: number;
}

/** Running traffic. */
export interface Traffic {
  records: RequestRecord[];
  /** Uploads FinishUpload answered OK. */
  uploads: FinishedUpload[];
  /** Uploads given up on (after their deadline), with the last error. */
  abandoned: string[];
  /** Whether an upload is in flight. */
  uploading(): boolean;
  setToken(token: string): void;
  stop(): Promise<void>;
}

/** Starts the viewers and the uploader. */
export function startTraffic(options: TrafficOptions): Traffic {
  const records: RequestRecord[] = [];
  const uploads: FinishedUpload[] = [];
  const abandoned: string[] = [];
  let token = options.token;
  let running = true;
  let inFlight = false;
  const playback = createClient(PlaybackService, createConnectTransport({ baseUrl: options.gatewayUrl, httpVersion: "1.1" }));
  const record = (kind: RequestRecord["kind"], ok: boolean) => records.push({ t: Date.now(), kind, ok });

  const viewer = async (index: number) => {
    let n = index;
    while (running) {
      const videoId = options.videoIds[n++ % options.videoIds.length]!;
      try {
        const info = await playback.getPlaybackInfo({ videoId }, { timeoutMs: 5000 });
        record("playback_info", true);
        const master = new URL(info.masterPlaylistUrl);
        const masterText = await get(master);
        const variant = masterText.split("\n").find((line) => line.trim() && !line.startsWith("#"));
        if (!variant) throw new Error("empty master");
        const playlistUrl = new URL(variant.trim(), master);
        const playlist = await get(playlistUrl);
        const segment = playlist.split("\n").find((line) => line.trim() && !line.startsWith("#"));
        if (!segment) throw new Error("empty playlist");
        await get(new URL(segment.trim(), playlistUrl));
        record("edge", true);
      } catch (err) {
        record((err as { edge?: boolean }).edge ? "edge" : "playback_info", false);
        await sleep(200);
      }
      await sleep(250);
    }
  };

  const uploader = async () => {
    for (let n = 1; running && n <= options.maxUploads; n++) {
      const title = `${options.titlePrefix} ${n}`;
      inFlight = true;
      try {
        const videoId = await patientUpload(options.api, token, {
          channelId: options.channelId,
          title,
          path: options.clip.path,
          sizeBytes: options.clip.sizeBytes,
          deadlineMs: options.uploadDeadlineMs,
          onChunk: () => {
            record("upload", true);
          },
          onError: () => record("upload", false),
        });
        uploads.push({ videoId, title });
        record("upload", true);
      } catch (err) {
        abandoned.push(`${title}: ${(err as Error).message}`);
      } finally {
        inFlight = false;
      }
      const until = Date.now() + options.uploadEveryMs;
      while (running && Date.now() < until) await sleep(200);
    }
  };

  const loops = [uploader(), ...Array.from({ length: options.viewers }, (_, i) => viewer(i))];
  return {
    records,
    uploads,
    abandoned,
    uploading: () => inFlight,
    setToken: (next) => (token = next),
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** GET through the edge; a failure is tagged as the edge's. */
async function get(url: URL): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = Buffer.from(await response.arrayBuffer());
    if (!response.ok) throw new Error(`${response.status}`);
    return body.toString("latin1");
  } catch (err) {
    throw Object.assign(new Error((err as Error).message), { edge: true });
  }
}

/** An H.264/AAC test clip made with ffmpeg (cached at `path`): 640x360, `seconds` long, at `videoBitrate`. */
export async function makeChaosClip(ffmpeg: string, path: string, seconds: number, videoBitrate = "1500k"): Promise<{ path: string; sizeBytes: number }> {
  if (!existsSync(path)) {
    await mkdir(dirname(path), { recursive: true });
    await promisify(execFile)(ffmpeg, [
      ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30,noise=alls=30:allf=t", "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000"],
      ...["-t", String(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-b:v", videoBitrate, "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-shortest", "-movflags", "+faststart", `${path}.tmp.mp4`],
    ]);
    await promisify(execFile)("mv", [`${path}.tmp.mp4`, path]);
  }
  return { path, sizeBytes: (await stat(path)).size };
}
