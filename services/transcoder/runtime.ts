/**
 * Starts everything the transcoder runs — the MinIO client and media bucket, the Kafka
 * producer, the video.uploaded worker and the health server — from plain options, so
 * main.ts, tests, test/e2e and bench/pipeline start it the same way.
 */
import { hostname } from "node:os";
import { createEventProducer, type EventConsumer, type EventProducer } from "../../lib/kafka/index.ts";
import { keepRetrying } from "../../lib/process/index.ts";
import { createMinioClient, ensureBucket, type MinioClient, type MinioOptions } from "../../lib/storage/minio.ts";
import type { TranscoderTopics } from "./events/topics.ts";
import { createTranscoder, type TranscoderOptions } from "./server.ts";

/** Everything startTranscoder needs; the rest of TranscoderOptions passes through. */
export interface StartTranscoderOptions extends Omit<TranscoderOptions, "brokers" | "producer" | "minio" | "clientId"> {
  host?: string;
  /** Port of the gRPC health server; 0 picks a free one. */
  healthPort: number;
  kafkaBrokers: string[];
  minio: MinioOptions;
  /** Kafka client id (default transcoder-<host>-<pid>). */
  clientId?: string;
}

/** A running transcoder. */
export interface RunningTranscoder {
  /** Where the health server listens. */
  healthPort: number;
  topics: TranscoderTopics;
  consumer: EventConsumer;
  producer: EventProducer;
  minio: MinioClient;
  /** Resolves true once the worker joined its consumer group (false if stopped first). */
  consuming: Promise<boolean>;
  /**
   * Takes no new job, lets the one in flight finish for up to `graceMs` (default: the
   * stopGraceMs option), then kills ffmpeg and leaves the group; closes Kafka and health.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts the transcoder. The health server answers at once (not ready until the worker
 * consumes); joining the consumer group is retried in the background with lib/process's
 * keepRetrying, so a Kafka that comes up later is picked up without a restart.
 */
export async function startTranscoder(options: StartTranscoderOptions): Promise<RunningTranscoder> {
  const { host, healthPort, kafkaBrokers, minio: minioOptions, clientId: givenClientId, ...rest } = options;
  const clientId = givenClientId ?? `transcoder-${hostname()}-${process.pid}`;
  const minio = createMinioClient(minioOptions);
  await ensureBucket(minio, options.mediaBucket);
  const producer = createEventProducer({ brokers: kafkaBrokers, clientId, ...(options.partitions ? { partitions: options.partitions } : {}) });
  const transcoder = createTranscoder({ ...rest, brokers: kafkaBrokers, clientId, producer, minio });
  const port = await transcoder.health.listen(host ?? "127.0.0.1", healthPort);
  const consumerLoop = keepRetrying(() => transcoder.start(), { what: "video.uploaded consumer", logger: options.logger });
  return {
    healthPort: port,
    topics: transcoder.topics,
    consumer: transcoder.consumer,
    producer,
    minio,
    consuming: consumerLoop.started,
    async stop(graceMs) {
      await consumerLoop.stop();
      await transcoder.stop(graceMs);
      await producer.disconnect();
      await transcoder.health.shutdown(2000);
    },
  };
}
