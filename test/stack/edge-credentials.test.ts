// Proves the public HLS edge runs with MinIO credentials that can read published
// media and nothing else (issue 14: "the public edge gets read-only credentials
// on the media bucket alone"), against the real MinIO that ./dev.sh starts.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { Client as MinioClient } from "minio";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through ./dev.sh test (or source scripts/stack/env.sh)`);
  return value;
}

function minioClient(accessKey: string, secretKey: string): MinioClient {
  const endpoint = new URL(env("MINIO_ENDPOINT"));
  return new MinioClient({ endPoint: endpoint.hostname, port: Number(endpoint.port), useSSL: false, accessKey, secretKey });
}

/** The S3 error code a call fails with ("AccessDenied"), or "ok". */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe("the edge's MinIO credentials", () => {
  const root = minioClient(env("MINIO_ACCESS_KEY"), env("MINIO_SECRET_KEY"));
  const edge = minioClient(env("EDGE_MINIO_ACCESS_KEY"), env("EDGE_MINIO_SECRET_KEY"));
  const media = env("MINIO_MEDIA_BUCKET");
  const sources = env("MINIO_SOURCE_BUCKET");
  const key = `test/edge-credentials/${randomUUID()}.m3u8`;
  const sourceKey = `test/edge-credentials/${randomUUID()}.mp4`;

  afterAll(async () => {
    await root.removeObject(media, key).catch(() => undefined);
    await root.removeObject(sources, sourceKey).catch(() => undefined);
  });

  it("are what the stack scripts give playback, and differ from the root's", async () => {
    const { stdout } = await run("bash", ["scripts/stack/services.sh", "env", "playback"], { env: process.env });
    expect(stdout).toContain(`MINIO_ACCESS_KEY=${env("EDGE_MINIO_ACCESS_KEY")}\n`);
    expect(env("EDGE_MINIO_ACCESS_KEY")).not.toBe(env("MINIO_ACCESS_KEY"));
  });

  it("read a published object in the media bucket", async () => {
    await root.putObject(media, key, Buffer.from("#EXTM3U\n"));
    await root.putObject(sources, sourceKey, Buffer.from("source bytes"));
    const stream = await edge.getObject(media, key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe("#EXTM3U\n");
  });

  it("cannot write, delete or list media, nor read the uploaded sources", async () => {
    expect(await outcome(() => edge.putObject(media, `${key}.evil`, Buffer.from("x")))).toBe("AccessDenied");
    expect(await outcome(() => edge.removeObject(media, key))).toBe("AccessDenied");
    expect(await outcome(() => edge.getObject(sources, sourceKey))).toBe("AccessDenied");
    expect(await outcome(() => edge.listBuckets())).toBe("AccessDenied");
    const listing = new Promise((resolve, reject) => {
      const stream = edge.listObjectsV2(media, "", true);
      stream.on("data", () => undefined);
      stream.on("end", resolve);
      stream.on("error", reject);
    });
    expect(await outcome(() => listing)).toBe("AccessDenied");
    // Nothing the edge tried changed anything.
    expect(await outcome(() => root.statObject(media, key))).toBe("ok");
    expect(await outcome(() => root.statObject(media, `${key}.evil`))).toBe("NotFound");
  });
});
