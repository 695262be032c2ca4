import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import type { ServiceImpl } from "@connectrpc/connect";
import { optionalCaller } from "../../lib/auth/index.ts";
import { notFound } from "../../lib/errors.ts";
import { createGrpcServer, registerService } from "../../lib/grpc/index.ts";
import { createLogger, type Logger } from "../../lib/logger.ts";
import { createMinioClient, ensureBucket, type MinioClient } from "../../lib/storage/minio.ts";
import { createTestTokens, stackEnv } from "../../lib/testing/index.ts";
import { VideoStatus, Visibility } from "../../gen/xtream/catalog/v1/resources_pb.js";
import { VideoService } from "../../gen/xtream/catalog/v1/video_service_pb.js";
import type { MinioOrigin } from "./adapters/minio-origin.ts";
import type { RedisCache } from "./adapters/redis-cache.ts";
import type { PlaybackTokens } from "./domain/playback-token.ts";
import { startPlayback, type StartPlaybackOptions } from "./runtime.ts";
import type { EdgeCacheSettings, PlaybackServer } from "./server.ts";

const run = promisify(execFile);

/** Secrets of the test edges (never used outside tests). */
export const TEST_SECRETS = ["test-playback-secret-0123456789abcdef", "older-playback-secret-0123456789abcdef"];

/**
 * A small HLS tree in the shared media layout, made once per process with
 * ffmpeg: two rungs (240p, 360p) of a 3-second test pattern in 1-second
 * MPEG-TS segments, a master playlist, a poster, a thumbnail and a storyboard.
 */
let fixture: Promise<string> | undefined;
export function hlsFixture(): Promise<string> {
  fixture ??= (async () => {
    const env = stackEnv();
    const dir = await mkdtemp(join(tmpdir(), "xtream-hls-"));
    const rungs = [
      { name: "240p", width: 426, height: 240, bandwidth: 300_000 },
      { name: "360p", width: 640, height: 360, bandwidth: 600_000 },
    ];
    for (const rung of rungs) {
      await mkdir(join(dir, rung.name), { recursive: true });
      await run(env.ffmpegPath, [
        ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=${rung.width}x${rung.height}:rate=15:duration=3`],
        ...["-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-keyint_min", "15", "-sc_threshold", "0", "-threads", "1"],
        ...["-f", "hls", "-hls_time", "1", "-hls_list_size", "0", "-hls_playlist_type", "vod"],
        ...["-hls_segment_filename", join(dir, rung.name, "seg_%05d.ts"), join(dir, rung.name, "index.m3u8")],
      ]);
    }
    const master = ["#EXTM3U", "#EXT-X-VERSION:3"];
    for (const rung of rungs) {
      master.push(`#EXT-X-STREAM-INF:BANDWIDTH=${rung.bandwidth},RESOLUTION=${rung.width}x${rung.height},CODECS="avc1.42c01e"`, `${rung.name}/index.m3u8`);
    }
    await writeFile(join(dir, "master.m3u8"), `${master.join("\n")}\n`);
    await run(env.ffmpegPath, ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180", "-frames:v", "1", join(dir, "poster.jpg")]);
    await mkdir(join(dir, "thumbs"));
    await writeFile(join(dir, "thumbs", "thumb_000.jpg"), await readFile(join(dir, "poster.jpg")));
    await writeFile(join(dir, "storyboard.vtt"), "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nstoryboard.jpg#xywh=0,0,160,90\n");
    return dir;
  })();
  return fixture;
}

/** Every file of a directory tree, as paths relative to it. */
async function filesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/** The test MinIO client and media bucket. */
export function testMinio(): { client: MinioClient; bucket: string } {
  const env = stackEnv();
  return {
    client: createMinioClient({ endpoint: env.minioEndpoint, accessKey: env.minioAccessKey, secretKey: env.minioSecretKey }),
    bucket: env.minioMediaBucket,
  };
}

/** Uploads the fixture as videos/<videoId>/… and returns the uploaded file names. */
export async function publishFixture(videoId: string): Promise<string[]> {
  const dir = await hlsFixture();
  const { client, bucket } = testMinio();
  await ensureBucket(client, bucket);
  const files = await filesOf(dir);
  await Promise.all(files.map(async (file) => client.putObject(bucket, `videos/${videoId}/${file}`, await readFile(join(dir, file)))));
  return files;
}

/** A video as the stand-in catalog knows it. */
export interface DirectoryVideo {
  visibility: Visibility;
  status?: VideoStatus;
  ownerId?: string;
}

/**
 * A real gRPC peer implementing catalog's VideoService.GetVideo the way the
 * catalog does (anonymous callers see public and unlisted videos, owners also
 * their private ones), over an in-memory table the test controls.
 *
 * Kept for the edge, purge and Redis-outage tests on purpose: the edge only
 * asks anonymous GetVideo, and these tests need videos that are READY at
 * once under ids whose HLS trees they upload, and visibility flips that take
 * effect without a round trip through Kafka. GetPlaybackInfo, where the catalog's own
 * access rules matter, is tested against the real catalog server
 * (playback-info.test.ts).
 */
export async function startVideoDirectory() {
  const videos = new Map<string, DirectoryVideo>();
  const tokens = await createTestTokens();
  const calls = { count: 0 };
  const impl: Partial<ServiceImpl<typeof VideoService>> = {
    async getVideo(request, context) {
      calls.count++;
      const caller = await optionalCaller(context, tokens.verifier);
      const video = videos.get(request.videoId);
      if (!video) throw notFound("video not found");
      const ownerId = video.ownerId ?? randomUUID();
      if (video.visibility === Visibility.PRIVATE && caller?.userId !== ownerId) throw notFound("video not found");
      const status = video.status ?? VideoStatus.READY;
      return {
        video: {
          id: request.videoId,
          ownerId,
          visibility: video.visibility,
          status,
          playable: status === VideoStatus.READY,
          posterPath: "poster.jpg",
          duration: { seconds: 3n },
          renditions: [
            { name: "240p", width: 426, height: 240, bandwidth: 300_000n, codecs: "avc1.42c01e", playlistPath: "240p/index.m3u8" },
            { name: "360p", width: 640, height: 360, bandwidth: 600_000n, codecs: "avc1.42c01e", playlistPath: "360p/index.m3u8" },
          ],
        },
      };
    },
  };
  const server = createGrpcServer({ services: [registerService(VideoService, impl)], logger: createLogger("directory-test", "silent") });
  const port = await server.listen("127.0.0.1", 0);
  return { videos, calls, tokens, address: `127.0.0.1:${port}`, close: () => server.shutdown(500) };
}

/** Playback's options for the local stack (scripts/stack/env.sh): its Redis, MinIO and Kafka. */
export function stackPlaybackOptions(options: {
  catalogAddress: string;
  logger?: Logger;
  secrets?: string[];
}): StartPlaybackOptions {
  const env = stackEnv();
  return {
    grpcPort: 0,
    httpPort: 0,
    catalogAddress: options.catalogAddress,
    redisUrl: env.redisUrl,
    redisPrefix: `xtream:test:${randomUUID()}:`,
    minio: { endpoint: env.minioEndpoint, accessKey: env.minioAccessKey, secretKey: env.minioSecretKey },
    mediaBucket: env.minioMediaBucket,
    tokens: { secrets: options.secrets ?? TEST_SECRETS, ttlSeconds: 600 },
    publicUrl: "http://edge.test",
    logger: options.logger ?? createLogger("playback-test", "silent"),
  };
}

/** A playback service on ports 0 against the real Redis and MinIO, started through runtime.ts. */
export interface TestEdge {
  server: PlaybackServer;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  grpcAddress: string;
  origin: MinioOrigin;
  redis: RedisCache;
  tokens: PlaybackTokens;
  /** Resolves once the purge consumer runs (true), or false without one. */
  purgeStarted: Promise<boolean>;
  close(): Promise<void>;
}

/** Starts an edge (HTTP + gRPC) with its own Redis key prefix and, with `purge`, its own purge consumer group. */
export async function startTestEdge(options: {
  catalogAddress: string;
  cache?: Partial<EdgeCacheSettings>;
  secrets?: string[];
  /** Token lifetime beyond the base 600 s (see PlaybackTokensOptions). */
  tokens?: { durationMarginSeconds?: number; maxTtlSeconds?: number };
  headersTimeoutMs?: number;
  /** Consume video.deleted / video.visibility (a fresh group, starting at the end of the topics). */
  purge?: boolean;
}): Promise<TestEdge> {
  const base = stackPlaybackOptions(options);
  const running = await startPlayback({
    ...base,
    catalogTimeoutMs: 5000,
    tokens: { ...base.tokens, ...options.tokens },
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.headersTimeoutMs !== undefined ? { headersTimeoutMs: options.headersTimeoutMs } : {}),
    ...(options.purge ? { purge: { brokers: stackEnv().kafkaBrokers, instanceId: `test-${randomUUID()}` } } : {}),
  });
  const { redis } = running;
  for (let attempt = 0; attempt < 50 && !redis.ready(); attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
  return {
    server: running.server,
    baseUrl: running.httpUrl,
    grpcAddress: running.grpcAddress,
    origin: running.origin,
    redis,
    tokens: running.tokens,
    purgeStarted: running.purgeStarted,
    close: () => running.stop(200),
  };
}
