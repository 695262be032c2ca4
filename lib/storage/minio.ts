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
  const url = new URL(options.endpoint);
  const useSSL = url.protocol === "https:";
  return new Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    region: "us-east-1",
  });
}

/** Creates the bucket unless it exists. */
export async function ensureBucket(client: Client, bucket: string): Promise<void> {
  if (!(await client.bucketExists(bucket))) {
    await client.makeBucket(bucket, "us-east-1").catch((err: { code?: string }) => {
      if (err.code !== "BucketAlreadyOwnedByYou" && err.code !== "BucketAlreadyExists") throw err;
    });
  }
}
