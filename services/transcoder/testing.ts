/**
 * Test support for the transcoder and the pipeline end-to-end tests: one way
 * to start a transcoder (startTestTranscoder, through runtime.ts), clips made
 * with ffmpeg, an event collector on Kafka, and checks of a stored HLS tree
 * with ffprobe (node:assert, so benches and scripts can use them too). Real
 * Kafka, MinIO and ffmpeg; nothing is mocked.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import type { VideoProgressSchema, VideoTranscoded, VideoUploaded } from "../../gen/xtream/events/v1/video_events_pb.js";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { createLogger } from "../../lib/logger.ts";
import { createMinioClient, ensureBucket } from "../../lib/storage/minio.ts";
import { collectEvents, stackEnv, type EventCollector } from "../../lib/testing/index.ts";
import { loadTranscoderConfig } from "./config.ts";
import { startTranscoder, type RunningTranscoder, type StartTranscoderOptions } from "./runtime.ts";
import { ladderArgs, probeFile, runProcess, type FfmpegPaths } from "./adapters/ffmpeg.ts";
import { planLadder } from "./domain/ladder.ts";
import type { EncodeSettings } from "./domain/ports.ts";
import { interpretProbe } from "./domain/source.ts";
import type { MinioClient } from "../../lib/storage/minio.ts";
import type { Topic } from "../../lib/kafka/index.ts";
import { parseMediaPlaylist } from "./domain/hls.ts";

/** How a test clip looks. */
export interface ClipOptions {
  width: number;
  height: number;
  seconds: number;
  audio: boolean;
  fps?: number;
  /** Display rotation written into the container (degrees). */
  rotate?: number;
  /** Add grain and encode near-losslessly: a larger file (about 4.5 MB/s at 360×640). */
  noise?: boolean;
}

/** Makes a small H.264 (+AAC) mp4 with ffmpeg's test sources. */
export function makeClip(ffmpeg: string, file: string, clip: ClipOptions): void {
  const args = ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", `testsrc2=size=${clip.width}x${clip.height}:rate=${clip.fps ?? 25}${clip.noise ? ",noise=alls=20:allf=t+u" : ""}`];
  if (clip.audio) args.push("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000");
  args.push("-t", String(clip.seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p");
  if (clip.noise) args.push("-crf", "8");
  if (clip.audio) args.push("-c:a", "aac", "-b:a", "64k");
  const encoded = clip.rotate ? `${file}.plain.mp4` : file;
  args.push(encoded);
  const result = spawnSync(ffmpeg, args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`ffmpeg could not make a clip: ${result.stderr}`);
  if (clip.rotate) {
    // ffmpeg 5 writes the display matrix from the rotate tag only when stream-copying.
    const remux = spawnSync(ffmpeg, ["-loglevel", "error", "-y", "-i", encoded, "-c", "copy", "-metadata:s:v:0", `rotate=${clip.rotate}`, file], { encoding: "utf8" });
    rmSync(encoded, { force: true });
    if (remux.status !== 0) throw new Error(`ffmpeg could not rotate a clip: ${remux.stderr}`);
  }
}

/**
 * Makes sure a transcoder serves the platform's own topics for a pipeline
 * test: the stack's (./dev.sh up started services/transcoder) when its health
 * port answers, otherwise one started here in-process in a group of its own
 * that takes only the events `accept` picks (this test file's uploads), so
 * test files running at the same time never stop each other's jobs.
 */
export async function ensurePipelineWorker(accept: (event: VideoUploaded) => boolean): Promise<{ stop(): Promise<void>; started: boolean }> {
  const config = loadTranscoderConfig();
  const open = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port: config.TRANSCODER_HEALTH_PORT }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
  if (open) return { started: false, stop: async () => undefined };
  const transcoder = await startTranscoder({
    healthPort: 0,
    kafkaBrokers: config.KAFKA_BROKERS,
    groupId: `transcoder-e2e-${randomUUID()}`,
    clientId: "transcoder-e2e",
    accept,
    minio: { endpoint: config.MINIO_ENDPOINT, accessKey: config.MINIO_ACCESS_KEY, secretKey: config.MINIO_SECRET_KEY },
    mediaBucket: config.MINIO_MEDIA_BUCKET,
    ffmpeg: { ffmpeg: config.FFMPEG_PATH, ffprobe: config.FFPROBE_PATH },
    settings: { segmentSeconds: config.TRANSCODER_SEGMENT_SECONDS, preset: config.TRANSCODER_X264_PRESET, crf: config.TRANSCODER_CRF },
    workRoot: join(tmpdir(), `transcoder-e2e-${randomUUID()}`),
    logger: createLogger("transcoder-e2e", "silent"),
    sessionTimeoutMs: config.TRANSCODER_SESSION_TIMEOUT_MS,
  });
  await transcoder.consuming;
  return { started: true, stop: () => transcoder.stop() };
}

/** A transcoder started by startTestTranscoder. */
export interface TestTranscoder extends RunningTranscoder {
  /** The prefix of its topics (private to the test file). */
  prefix: string;
  /** Its work folder. */
  workRoot: string;
  /** Stores `body` as the video's source and announces it on video.uploaded. */
  submit(videoId: string, body: Buffer, options?: SubmitOptions): Promise<void>;
}

/** How submit() announces a source. */
export interface SubmitOptions {
  /** Kafka key (default the video id): one key puts events in one partition, in order. */
  partitionKey?: string;
  /** Another bucket than the stack's source bucket: nothing is stored, only announced. */
  sourceBucket?: string;
}

/**
 * Starts a transcoder through runtime.ts the way main.ts does, on the test stack, with
 * topics and a consumer group private to the calling test file, a silent logger, a free
 * health port and ultrafast encodes; `overrides` change any option. Resolves once the
 * worker consumes (unless awaitConsuming is false). stop() as in production.
 */
export async function startTestTranscoder(
  name: string,
  overrides: Partial<StartTranscoderOptions> = {},
  { awaitConsuming = true }: { awaitConsuming?: boolean } = {},
): Promise<TestTranscoder> {
  const env = stackEnv();
  const prefix = overrides.topicPrefix ?? testTopicPrefix();
  const workRoot = overrides.workRoot ?? join(tmpdir(), `${name}-${randomUUID()}`);
  const minio = { endpoint: env.minioEndpoint, accessKey: env.minioAccessKey, secretKey: env.minioSecretKey };
  await ensureBucket(createMinioClient(minio), env.minioSourceBucket);
  const running = await startTranscoder({
    healthPort: 0,
    kafkaBrokers: env.kafkaBrokers,
    minio,
    mediaBucket: env.minioMediaBucket,
    ffmpeg: { ffmpeg: env.ffmpegPath, ffprobe: env.ffprobePath },
    settings: { segmentSeconds: 2, preset: "ultrafast", crf: 23 },
    groupId: `${prefix}transcoder`,
    clientId: name,
    logger: createLogger(name, "silent"),
    ...overrides,
    topicPrefix: prefix,
    workRoot,
  });
  if (awaitConsuming) await running.consuming;
  return {
    ...running,
    prefix,
    workRoot,
    async submit(videoId, body, options = {}) {
      const sourceBucket = options.sourceBucket ?? env.minioSourceBucket;
      if (sourceBucket === env.minioSourceBucket) await running.minio.putObject(sourceBucket, `sources/${videoId}`, body, body.length);
      await running.producer.publish(running.topics.videoUploaded, options.partitionKey ?? videoId, {
        videoId,
        ownerId: "owner",
        channelId: "channel",
        sourceBucket,
        sourceKey: `sources/${videoId}`,
        sizeBytes: BigInt(body.length),
        contentType: "video/mp4",
        uploadTime: timestampNow(),
        eventId: randomUUID(),
      });
    },
  };
}

type HealthClient = grpc.Client & { check(request: { service: string }, callback: (err: grpc.ServiceError | null, response: { status: string }) => void): void };

/** The status ("SERVING", "NOT_SERVING"…) a gRPC health server at `address` gives `service`. */
export function checkHealth(address: string, service: string): Promise<string> {
  const definition = grpc.loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as unknown as {
    grpc: { health: { v1: { Health: new (address: string, creds: grpc.ChannelCredentials) => HealthClient } } };
  };
  const client = new definition.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.check({ service }, (err, response) => {
      client.close();
      if (err) reject(err);
      else resolve(response.status);
    });
  });
}

/** The plain-ffmpeg baseline of a source: the ladder a job would make, as one ffmpeg command. */
export interface PlainLadder {
  /** The rungs a job would make of this source, highest first. */
  rungNames: string[];
  /** Runs the same ladder command a job runs (same rungs and settings) writing VOD HLS to `outputDir`, without stills or publishing. */
  encode(outputDir: string): Promise<void>;
}

/** Probes `source` and plans its ladder as a job would (bench/pipeline's baseline). */
export async function plainLadder(paths: FfmpegPaths, source: string, settings: EncodeSettings): Promise<PlainLadder> {
  const probe = await probeFile(paths, source);
  if (!probe) throw new Error(`cannot probe ${source}`);
  const info = interpretProbe(probe, (await stat(source)).size);
  const rungs = planLadder(info);
  return {
    rungNames: rungs.map((rung) => rung.name),
    async encode(outputDir) {
      for (const rung of rungs) await mkdir(join(outputDir, rung.name), { recursive: true });
      await runProcess(paths.ffmpeg, ladderArgs({ input: source, outputDir, rungs, hasAudio: info.hasAudio, fps: info.fps, settings, playlistType: "vod", progress: false }));
    },
  };
}

/** How many times a video's job started: each run reports 0% with nothing playable first. */
export function runsOf(collector: EventCollector, progressTopic: Topic<typeof VideoProgressSchema>, videoId: string): number {
  return collector.events(progressTopic, videoId).filter((event) => event.percent === 0 && event.playableRenditions.length === 0).length;
}

/** A unique topic prefix for one test file. */
export function testTopicPrefix(): string {
  return `test-${randomUUID().slice(0, 8)}.`;
}

// The shared Kafka event collector (lib/testing), re-exported for this service's tests and the e2e ones.
export { collectEvents, type EventCollector };

/** Downloads every object under `videos/<id>/` into a local folder; returns the keys. */
export async function downloadVideo(client: MinioClient, bucket: string, videoId: string, into: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of client.listObjectsV2(bucket, `videos/${videoId}/`, true)) {
    const name = (item as { name?: string }).name;
    if (name) keys.push(name);
  }
  for (const key of keys) {
    const file = join(into, key.slice(`videos/${videoId}/`.length));
    await mkdir(dirname(file), { recursive: true });
    const chunks: Buffer[] = [];
    for await (const chunk of await client.getObject(bucket, key)) chunks.push(chunk as Buffer);
    await writeFile(file, Buffer.concat(chunks));
  }
  return keys;
}

/** What ffprobe sees in a stored rung. */
export interface RungProbe {
  width: number;
  height: number;
  duration: number;
  pixFmt: string;
  videoCodec: string;
  hasAudio: boolean;
  segmentDurations: number[];
}

/** Reads master playlist variants (uri + attributes). */
export function parseMaster(text: string): { uri: string; attributes: string }[] {
  const lines = text.split("\n").map((line) => line.trim());
  const variants: { uri: string; attributes: string }[] = [];
  lines.forEach((line, index) => {
    const next = lines[index + 1];
    if (line.startsWith("#EXT-X-STREAM-INF:") && next) variants.push({ uri: next, attributes: line.slice("#EXT-X-STREAM-INF:".length) });
  });
  return variants;
}

/** ffprobes a local media playlist (the whole rung, decoded end to end). */
export function probeRung(ffprobe: string, playlist: string, playlistText: string): RungProbe {
  const result = spawnSync(
    ffprobe,
    ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "-allowed_extensions", "ALL", playlist],
    { encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`ffprobe failed on ${playlist}: ${result.stderr}`);
  const json = JSON.parse(result.stdout) as {
    streams: { codec_type: string; codec_name: string; width?: number; height?: number; pix_fmt?: string }[];
    format: { duration?: string };
  };
  const video = json.streams.find((stream) => stream.codec_type === "video");
  return {
    width: video?.width ?? 0,
    height: video?.height ?? 0,
    duration: Number(json.format.duration ?? 0),
    pixFmt: video?.pix_fmt ?? "",
    videoCodec: video?.codec_name ?? "",
    hasAudio: json.streams.some((stream) => stream.codec_type === "audio"),
    segmentDurations: parseMediaPlaylist(playlistText).segments.map((segment) => segment.duration),
  };
}

/** Decodes a rung fully (null output): throws if any frame cannot be decoded. */
export function decodeRung(ffmpeg: string, playlist: string): void {
  const result = spawnSync(ffmpeg, ["-v", "error", "-xerror", "-i", playlist, "-f", "null", "-"], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`ffmpeg could not decode ${playlist}: ${result.stderr}`);
}

/** Width and height of a still (a JPEG), by ffprobe. */
export function probeImage(ffprobe: string, file: string): { codec: string; width: number; height: number } {
  const result = spawnSync(ffprobe, ["-v", "error", "-print_format", "json", "-show_streams", file], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`ffprobe could not read ${file}: ${result.stderr}`);
  const stream = (JSON.parse(result.stdout) as { streams: { codec_name: string; width: number; height: number }[] }).streams[0];
  return { codec: stream?.codec_name ?? "", width: stream?.width ?? 0, height: stream?.height ?? 0 };
}

/**
 * The poster and thumbnails are JPEGs the size of the largest rung of at
 * most 720 lines (the smallest rung when none is), and the storyboard sprite
 * covers every tile its WebVTT points into.
 */
function verifyStills(ffprobe: string, local: string, done: VideoTranscoded, expected: ExpectedLadder, vtt: string): void {
  const sizes = Object.values(expected.rungs).sort((a, b) => b[0] * b[1] - a[0] * a[1]);
  const imageSize = sizes.find(([width, height]) => Math.min(width, height) <= 720) ?? sizes[sizes.length - 1];
  const inFolder = (key: string) => join(local, key.slice(`videos/${done.videoId}/`.length));
  for (const key of [done.posterKey, ...done.thumbnailKeys]) {
    const still = probeImage(ffprobe, inFolder(key));
    assert.equal(still.codec, "mjpeg", key);
    assert.deepEqual([still.width, still.height], imageSize, key);
  }
  assert.ok(done.thumbnailKeys.length <= 5, "at most 5 thumbnails");
  const sprite = probeImage(ffprobe, inFolder(done.storyboardSpriteKey));
  const tiles = [...vtt.matchAll(/#xywh=(\d+),(\d+),(\d+),(\d+)/g)].map((match) => match.slice(1).map(Number) as [number, number, number, number]);
  assert.ok(tiles.length > 0, "the storyboard has tiles");
  for (const [x, y, width, height] of tiles) {
    assert.ok(x + width <= sprite.width, "tile inside the sprite");
    assert.ok(y + height <= sprite.height, "tile inside the sprite");
  }
}

/** What a transcoded video should look like. */
export interface ExpectedLadder {
  rungs: Record<string, [number, number]>;
  duration: number;
  audio: boolean;
}

/** Where verifyLadder looks. */
export interface VerifyContext {
  minio: MinioClient;
  bucket: string;
  ffmpeg: string;
  ffprobe: string;
  /** A scratch folder; the HLS tree is downloaded under it. */
  dir: string;
}

/**
 * Checks a transcoded video end to end: the event's renditions and keys, the
 * images, the master playlist's BANDWIDTH/RESOLUTION/CODECS, and every rung
 * downloaded from MinIO and ffprobed (size, H.264 yuv420p, audio only when
 * the source has it, duration, 2–4 s segments, the same boundaries in every
 * rung), then decoded end to end.
 */
export async function verifyLadder(ctx: VerifyContext, done: VideoTranscoded, expected: ExpectedLadder): Promise<void> {
  const videoId = done.videoId;
  const duration = Number(done.duration?.seconds ?? 0n) + (done.duration?.nanos ?? 0) / 1e9;
  assert.ok(Math.abs(duration - expected.duration) < 0.5, `duration ${duration} s, expected ${expected.duration} s`);
  assert.deepEqual(done.renditions.map((rendition) => rendition.name).sort(), Object.keys(expected.rungs).sort());
  assert.equal(done.masterPlaylistKey, `videos/${videoId}/master.m3u8`);

  const local = join(ctx.dir, videoId);
  const keys = await downloadVideo(ctx.minio, ctx.bucket, videoId, local);
  for (const key of [done.posterKey, done.storyboardSpriteKey, done.storyboardVttKey, ...done.thumbnailKeys]) assert.ok(keys.includes(key), `${key} is stored`);
  assert.ok(done.thumbnailKeys.length > 0, "thumbnails were made");
  const vtt = await readFile(join(local, "storyboard.vtt"), "utf8");
  assert.match(vtt, /^WEBVTT/);
  assert.match(vtt, /storyboard\.jpg#xywh=0,0,160,\d+/);
  verifyStills(ctx.ffprobe, local, done, expected, vtt);

  const master = await readFile(join(local, "master.m3u8"), "utf8");
  const variants = parseMaster(master);
  assert.deepEqual(variants.map((variant) => variant.uri).sort(), Object.keys(expected.rungs).map((name) => `${name}/index.m3u8`).sort());
  const boundaries: number[][] = [];
  for (const variant of variants) {
    const name = variant.uri.split("/")[0] ?? "";
    const [width, height] = expected.rungs[name] ?? [0, 0];
    assert.match(variant.attributes, /BANDWIDTH=\d+/);
    assert.ok(variant.attributes.includes(`RESOLUTION=${width}x${height}`), variant.attributes);
    assert.match(variant.attributes, expected.audio ? /CODECS="avc1\.6400[0-9a-f]{2},mp4a\.40\.2"/ : /CODECS="avc1\.6400[0-9a-f]{2}"/);
    const playlistFile = join(local, variant.uri);
    const playlistText = await readFile(playlistFile, "utf8");
    assert.ok(playlistText.includes("#EXT-X-ENDLIST"), `${variant.uri} has "#EXT-X-ENDLIST"`);
    assert.ok(playlistText.includes("#EXT-X-PLAYLIST-TYPE:VOD"), `${variant.uri} has "#EXT-X-PLAYLIST-TYPE:VOD"`);
    const rung = probeRung(ctx.ffprobe, playlistFile, playlistText);
    assert.deepEqual([rung.width, rung.height], [width, height]);
    assert.equal(rung.videoCodec, "h264");
    assert.equal(rung.pixFmt, "yuv420p");
    assert.equal(rung.hasAudio, expected.audio);
    assert.ok(Math.abs(rung.duration - expected.duration) < 0.5, `${variant.uri} lasts ${rung.duration} s`);
    for (const seconds of rung.segmentDurations.slice(0, -1)) assert.ok(seconds >= 1.9, `segment of ${seconds} s`);
    for (const seconds of rung.segmentDurations) assert.ok(seconds <= 4.1, `segment of ${seconds} s`);
    decodeRung(ctx.ffmpeg, playlistFile);
    boundaries.push(rung.segmentDurations);
  }
  // Keyframes aligned across rungs: the same segment boundaries everywhere.
  for (const other of boundaries.slice(1)) assert.deepEqual(other, boundaries[0]);
}
