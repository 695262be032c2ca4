import { Client } from "minio";

export type { Client as MinioClient } from "minio";

export interface MinioOptions {
  /** http(s)://host:port */
  endpoint: string;
  accessKey: string;
  secretKey: string;
}

/** Creates a MinIO (S3) client from an endpoint URL; one per process. */
export function createMinioClient(options: MinioOptions): Client {
  return new Client(clientOptions(options));
}

/**
 * A client for request bodies streamed as they arrive (see `./part-stream.ts`).
 * Over plain HTTP minio-js signs a SHA-256 of the whole body, so it cannot send
 * a byte before it holds them all; this client signs UNSIGNED-PAYLOAD instead
 * (what minio-js does over HTTPS anyway; Content-Length still bounds the body)
 * and never retries, because a streamed body cannot be sent twice.
 */
export function createStreamingMinioClient(options: MinioOptions): Client {
  const client = new Client({ ...clientOptions(options), retryOptions: { disableRetry: true } });
  client.enableSHA256 = false;
  return client;
}

function clientOptions(options: MinioOptions) {
  const url = new URL(options.endpoint);
  const useSSL = url.protocol === "https:";
  return {
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    region: "us-east-1",
  };
}

/** Creates the bucket unless it exists. */
export async function ensureBucket(client: Client, bucket: string): Promise<void> {
  if (!(await client.bucketExists(bucket))) {
    await client.makeBucket(bucket, "us-east-1").catch((err: { code?: string }) => {
      if (err.code !== "BucketAlreadyOwnedByYou" && err.code !== "BucketAlreadyExists") throw err;
    });
  }
}
