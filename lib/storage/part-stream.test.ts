import { randomBytes, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { stackEnv } from "../testing/index.ts";
import { createMinioClient, createStreamingMinioClient, ensureBucket } from "./minio.ts";
import { startPartStream } from "./part-stream.ts";

const env = stackEnv();
const options = { endpoint: env.minioEndpoint, accessKey: env.minioAccessKey, secretKey: env.minioSecretKey };
const client = createMinioClient(options);
const streaming = createStreamingMinioClient(options);
const bucket = env.minioSourceBucket;
const keys: string[] = [];

async function multipart(): Promise<{ key: string; uploadId: string }> {
  await ensureBucket(client, bucket);
  const key = `tests/part-stream/${randomUUID()}`;
  keys.push(key);
  return { key, uploadId: await client.initiateNewMultipartUpload(bucket, key, {}) };
}

afterAll(async () => {
  for (const key of keys) await client.removeObject(bucket, key).catch(() => undefined);
});

describe("startPartStream (real MinIO, plain HTTP)", () => {
  it("stores a part written in pieces as they arrive, byte for byte", async () => {
    const { key, uploadId } = await multipart();
    const data = randomBytes(6 * 1024 * 1024 + 123);
    const part = startPartStream(streaming, { bucket, key, uploadId, partNumber: 1, sizeBytes: data.byteLength });
    for (let offset = 0; offset < data.byteLength; offset += 1024 * 1024) {
      await part.write(data.subarray(offset, offset + 1024 * 1024));
      await sleep(5); // a slow sender: the request waits for the rest of its body
    }
    const etag = await part.end();
    expect(etag).toMatch(/^[0-9a-f]{32}$/);
    await client.completeMultipartUpload(bucket, key, uploadId, [{ part: 1, etag }]);
    const stored = await client.getObject(bucket, key);
    const chunks: Buffer[] = [];
    for await (const chunk of stored) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it("an abandoned part leaves nothing stored", async () => {
    const { key, uploadId } = await multipart();
    const part = startPartStream(streaming, { bucket, key, uploadId, partNumber: 1, sizeBytes: 8 * 1024 * 1024 });
    await part.write(randomBytes(1024 * 1024));
    part.abort();
    await expect(part.end()).rejects.toThrow();
    await sleep(200);
    // listParts is public in minio-js but typed protected.
    const lister = client as unknown as { listParts(bucket: string, key: string, uploadId: string): Promise<unknown[]> };
    expect(await lister.listParts(bucket, key, uploadId)).toEqual([]);
    await client.abortMultipartUpload(bucket, key, uploadId);
  });

  it("a part the store refuses fails its writes instead of leaving them waiting", async () => {
    const { key } = await multipart();
    const part = startPartStream(streaming, { bucket, key, uploadId: "not-an-upload", partNumber: 1, sizeBytes: 64 * 1024 * 1024 });
    const writes = (async () => {
      for (let i = 0; i < 64; i++) await part.write(Buffer.alloc(1024 * 1024));
    })();
    await expect(writes).rejects.toMatchObject({ code: "NoSuchUpload" });
    await expect(part.end()).rejects.toMatchObject({ code: "NoSuchUpload" });
  });
});
