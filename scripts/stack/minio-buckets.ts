// Creates the platform's MinIO buckets (MINIO_SOURCE_BUCKET, MINIO_MEDIA_BUCKET)
// when they are missing. Used by scripts/stack/minio.sh after MinIO starts.
import { Client } from "minio";

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set (source scripts/stack/env.sh)`);
    process.exit(2);
  }
  return value;
}

const endpoint = new URL(required("MINIO_ENDPOINT"));
const client = new Client({
  endPoint: endpoint.hostname,
  port: Number(endpoint.port || (endpoint.protocol === "https:" ? 443 : 80)),
  useSSL: endpoint.protocol === "https:",
  accessKey: required("MINIO_ACCESS_KEY"),
  secretKey: required("MINIO_SECRET_KEY"),
});

for (const bucket of [required("MINIO_SOURCE_BUCKET"), required("MINIO_MEDIA_BUCKET")]) {
  if (await client.bucketExists(bucket)) continue;
  await client.makeBucket(bucket);
  console.log(`==> created MinIO bucket ${bucket}`);
}
