// Proves the public HLS edge runs with MinIO credentials that can read published
// media and nothing else (issue 14: "the public edge gets read-only credentials
// on the media bucket alone"), against the real MinIO that ./dev.sh starts.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createMinioClient } from "../../lib/storage/minio.ts";
import { stackEnv } from "../../lib/testing/index.ts";

const run = promisify(execFile);

/** The edge's credentials, which scripts/stack/env.sh generates beside the root's. */
function edgeKey(name: "EDGE_MINIO_ACCESS_KEY" | "EDGE_MINIO_SECRET_KEY"): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through ./dev.sh test (or source scripts/stack/env.sh)`);
  return value;
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
  const stack = stackEnv();
  const root = createMinioClient({ endpoint: stack.minioEndpoint, accessKey: stack.minioAccessKey, secretKey: stack.minioSecretKey });
  const edge = createMinioClient({ endpoint: stack.minioEndpoint, accessKey: edgeKey("EDGE_MINIO_ACCESS_KEY"), secretKey: edgeKey("EDGE_MINIO_SECRET_KEY") });
  const media = stack.minioMediaBucket;
  const sources = stack.minioSourceBucket;
  const key = `test/edge-credentials/${randomUUID()}.m3u8`;
  const sourceKey = `test/edge-credentials/${randomUUID()}.mp4`;

  afterAll(async () => {
    await root.removeObject(media, key).catch(() => undefined);
    await root.removeObject(sources, sourceKey).catch(() => undefined);
  });

  it("are what the stack scripts give playback, and differ from the root's", async () => {
    const { stdout } = await run("bash", ["scripts/stack/services.sh", "env", "playback"], { env: process.env });
    expect(stdout).toContain(`MINIO_ACCESS_KEY=${edgeKey("EDGE_MINIO_ACCESS_KEY")}\n`);
    expect(edgeKey("EDGE_MINIO_ACCESS_KEY")).not.toBe(stack.minioAccessKey);
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
