// Proves each real component that ./dev.sh starts answers, through the same
// clients and environment variables the services use.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { Kafka, Partitioners, logLevel } from "kafkajs";
import { Client as MinioClient } from "minio";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);

/** Reads a required environment variable, failing the test with its name when missing. */
function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through ./dev.sh test (or source scripts/stack/env.sh)`);
  return value;
}

describe("local stack", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it("Redis answers PING", async () => {
    const redis = new Redis(env("REDIS_URL"), { lazyConnect: true, maxRetriesPerRequest: 1 });
    cleanups.push(() => redis.quit());
    await redis.connect();
    expect(await redis.ping()).toBe("PONG");
  });

  it("PostgreSQL runs a query as the xtream role", async () => {
    const client = new pg.Client({ connectionString: env("DATABASE_URL") });
    cleanups.push(() => client.end());
    await client.connect();
    const result = await client.query<{ one: number; who: string }>("select 1 as one, current_user as who");
    expect(result.rows[0]).toEqual({ one: 1, who: "xtream" });
  });

  it("Kafka round-trips a message through a consumer group", async () => {
    const id = randomUUID();
    const topic = `stack-test-${id}`;
    const kafka = new Kafka({ clientId: "stack-test", brokers: env("KAFKA_BROKERS").split(","), logLevel: logLevel.WARN });
    const admin = kafka.admin();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({ groupId: `stack-test-${id}` });
    cleanups.push(async () => {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    });
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });

    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Promise<{ key: string; value: string }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          resolve({ key: message.key?.toString() ?? "", value: message.value?.toString() ?? "" });
        },
      });
    });

    await producer.connect();
    await producer.send({ topic, messages: [{ key: id, value: "hello xtream" }] });
    expect(await received).toEqual({ key: id, value: "hello xtream" });
  });

  it("MinIO stores and returns an object in the source bucket", async () => {
    const endpoint = new URL(env("MINIO_ENDPOINT"));
    const minio = new MinioClient({
      endPoint: endpoint.hostname,
      port: Number(endpoint.port),
      useSSL: endpoint.protocol === "https:",
      accessKey: env("MINIO_ACCESS_KEY"),
      secretKey: env("MINIO_SECRET_KEY"),
    });
    const bucket = env("MINIO_SOURCE_BUCKET");
    expect(await minio.bucketExists(env("MINIO_MEDIA_BUCKET"))).toBe(true);
    const key = `stack-test/${randomUUID()}.txt`;
    cleanups.push(() => minio.removeObject(bucket, key));
    const body = Buffer.from(`hello from ${key}`);
    await minio.putObject(bucket, key, body, body.length, { "Content-Type": "text/plain" });

    const chunks: Buffer[] = [];
    for await (const chunk of await minio.getObject(bucket, key)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe(body.toString());
  });

  it("ffprobe reads a 1 s clip made by ffmpeg", async () => {
    const dir = await mkdtemp(join(tmpdir(), "xtream-stack-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const clip = join(dir, "clip.mp4");
    await run(env("FFMPEG_PATH"), [
      "-hide_banner", "-loglevel", "error",
      "-f", "lavfi", "-i", "testsrc=duration=1:size=320x240:rate=25",
      "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
      "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", clip,
    ]);
    const { stdout } = await run(env("FFPROBE_PATH"), [
      "-v", "error", "-print_format", "json", "-show_format", "-show_streams", clip,
    ]);
    const probe = JSON.parse(stdout) as {
      format: { duration: string };
      streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
    };
    expect(Number(probe.format.duration)).toBeGreaterThan(0.9);
    expect(Number(probe.format.duration)).toBeLessThan(1.2);
    expect(probe.streams.find((s) => s.codec_type === "video")).toMatchObject({ codec_name: "h264", width: 320, height: 240 });
    expect(probe.streams.find((s) => s.codec_type === "audio")).toMatchObject({ codec_name: "aac" });
  });
});
