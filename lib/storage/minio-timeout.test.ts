import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stackEnv } from "../testing/index.ts";
import { createMinioClient } from "./minio.ts";

// A MinIO that accepts connections and never answers must fail requests, not hang them.
let silent: net.Server;
let port: number;
const sockets: net.Socket[] = [];

beforeAll(async () => {
  silent = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  port = (silent.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe("MinIO requests", () => {
  it("fail after the idle timeout when MinIO does not answer", async () => {
    const client = createMinioClient({ endpoint: `http://127.0.0.1:${port}`, accessKey: "a", secretKey: "b", idleTimeoutMs: 500 });
    const started = Date.now();
    await expect(client.statObject("bucket", "key")).rejects.toThrow(/did not answer/);
    // One retry by minio-js at most: two timeouts and a little.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("still work against the real MinIO", async () => {
    const env = stackEnv();
    const client = createMinioClient({ endpoint: env.minioEndpoint, accessKey: env.minioAccessKey, secretKey: env.minioSecretKey, idleTimeoutMs: 500 });
    await expect(client.bucketExists(env.minioMediaBucket)).resolves.toBe(true);
  });
});
