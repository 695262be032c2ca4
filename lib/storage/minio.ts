import * as http from "node:http";
import * as https from "node:https";
import type { Duplex } from "node:stream";
import { Client } from "minio";

export type { Client as MinioClient } from "minio";

export interface MinioOptions {
  /** http(s)://host:port */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /**
   * A request whose connection carries no bytes either way for this long
   * fails (its socket is destroyed), instead of hanging on a MinIO that
   * stopped answering (default 30 s; 120 s for the streaming client, whose
   * parts wait for the uploader's next bytes).
   */
  idleTimeoutMs?: number;
}

/** Keep-alive agents whose sockets are destroyed after idleTimeoutMs without traffic (minio-js never times a request out). */
function idleTimeoutAgent(useSSL: boolean, idleTimeoutMs: number): http.Agent {
  const Base = useSSL ? https.Agent : http.Agent;
  class IdleTimeoutAgent extends Base {
    override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, socket: Duplex) => void): Duplex {
      const socket = super.createConnection(options, callback) as Duplex & { setTimeout(ms: number, listener: () => void): void };
      socket.setTimeout(idleTimeoutMs, () => socket.destroy(new Error(`MinIO did not answer for ${idleTimeoutMs} ms`)));
      return socket;
    }
  }
  return new IdleTimeoutAgent({ keepAlive: true });
}

/** Creates a MinIO (S3) client from an endpoint URL; one per process. */
export function createMinioClient(options: MinioOptions): Client {
  return new Client(clientOptions(options, options.idleTimeoutMs ?? 30_000));
}

/**
 * A client for request bodies streamed as they arrive (see `./part-stream.ts`).
 * Over plain HTTP minio-js signs a SHA-256 of the whole body, so it cannot send
 * a byte before it holds them all; this client signs UNSIGNED-PAYLOAD instead
 * (what minio-js does over HTTPS anyway; Content-Length still bounds the body)
 * and never retries, because a streamed body cannot be sent twice.
 */
export function createStreamingMinioClient(options: MinioOptions): Client {
  const client = new Client({ ...clientOptions(options, options.idleTimeoutMs ?? 120_000), retryOptions: { disableRetry: true } });
  client.enableSHA256 = false;
  return client;
}

function clientOptions(options: MinioOptions, idleTimeoutMs: number) {
  const url = new URL(options.endpoint);
  const useSSL = url.protocol === "https:";
  return {
    transportAgent: idleTimeoutAgent(useSSL, idleTimeoutMs),
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
