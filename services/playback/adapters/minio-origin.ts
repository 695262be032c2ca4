import type { MinioClient } from "../../../lib/storage/minio.ts";
import type { MediaOrigin } from "../domain/ports.ts";

export interface MinioOriginOptions {
  client: MinioClient;
  bucket: string;
  /** Objects larger than this are refused (the media layout has none). */
  maxObjectBytes?: number;
}

/** The origin with a count of the reads it made (tests and the bench check coalescing with it). */
export interface MinioOrigin extends MediaOrigin {
  readonly reads: number;
  /** Reads per object key, since start. */
  readsOf(key: string): number;
}

/** Reads whole objects from the media bucket; a missing object is undefined. */
export function createMinioOrigin(options: MinioOriginOptions): MinioOrigin {
  const maxBytes = options.maxObjectBytes ?? 64 * 1024 * 1024;
  const perKey = new Map<string, number>();
  let reads = 0;
  return {
    async get(key) {
      reads++;
      if (perKey.size > 10_000) perKey.clear();
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      let stream: NodeJS.ReadableStream;
      try {
        stream = await options.client.getObject(options.bucket, key);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) throw new Error(`object ${key} exceeds ${maxBytes} bytes`);
        chunks.push(chunk);
      }
      return Buffer.concat(chunks, size);
    },
    get reads() {
      return reads;
    },
    readsOf(key) {
      return perKey.get(key) ?? 0;
    },
  };
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === "NoSuchKey" || code === "NotFound" || code === "NoSuchBucket";
}
