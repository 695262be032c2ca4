// What the pipeline's end-to-end files share: the upload service (+ catalog)
// in-process, an in-process transcoder that takes only this file's uploads
// (unless the stack's transcoder runs), and a collector of the pipeline's events.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { topics } from "../../lib/kafka/index.ts";
import { createMinioClient, ensureBucket } from "../../lib/storage/minio.ts";
import { stackEnv } from "../../lib/testing/index.ts";
import { collectEvents, ensurePipelineWorker, verifyLadder, type EventCollector, type ExpectedLadder } from "../../services/transcoder/testing.ts";
import { startUploadHarness, type UploadHarness } from "../../services/upload/testing.ts";
import type { UploadClient } from "../../bench/pipeline/upload-client.ts";
import type { VideoTranscoded } from "../../gen/xtream/events/v1/video_events_pb.js";

/** A running pipeline for one test file. */
export interface PipelineFixture {
  /** A scratch folder for clips and downloaded media. */
  dir: string;
  harness: UploadHarness;
  events: EventCollector;
  /** A new user with a channel whose uploads this file's worker takes. */
  signedIn(): Promise<{ user: string; client: UploadClient; channelId: string }>;
  /** ffprobes every rung of a transcoded video against what is expected. */
  verify(done: VideoTranscoded, expected: ExpectedLadder): Promise<void>;
  close(): Promise<void>;
}

/** Starts the pipeline around the real stack; `label` names the scratch folder. */
export async function startPipelineFixture(label: string): Promise<PipelineFixture> {
  const env = stackEnv();
  const dir = await mkdtemp(join(tmpdir(), `${label}-`));
  const minio = createMinioClient({ endpoint: env.minioEndpoint, accessKey: env.minioAccessKey, secretKey: env.minioSecretKey });
  await ensureBucket(minio, env.minioMediaBucket);
  const harness = await startUploadHarness();
  const channels = new Set<string>();
  const worker = await ensurePipelineWorker((event) => channels.has(event.channelId));
  const events = await collectEvents(env.kafkaBrokers, [topics.videoTranscoded, topics.videoFailed, topics.videoProgress]);
  return {
    dir,
    harness,
    events,
    async signedIn() {
      const user = randomUUID();
      const channelId = await harness.channelOf(user);
      channels.add(channelId);
      return { user, client: await harness.client(user), channelId };
    },
    verify(done, expected) {
      return verifyLadder({ minio, bucket: env.minioMediaBucket, ffmpeg: env.ffmpegPath, ffprobe: env.ffprobePath, dir: join(dir, "media") }, done, expected);
    },
    async close() {
      await worker.stop();
      await events.stop();
      await harness.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
