/**
 * The MinIO side of a job: fetching the source, storing outputs in the
 * media bucket under `videos/<videoId>/`, and clearing a failed video's outputs.
 */
import { readFile } from "node:fs/promises";
import { tombstoneKey } from "../../../lib/storage/media-keys.ts";
import type { MinioClient } from "../../../lib/storage/minio.ts";
import type { MediaStore } from "../domain/ports.ts";


/** Content types of what the transcoder writes. */
const CONTENT_TYPES: Record<string, string> = {
  ".m3u8": "application/vnd.apple.mpegurl",
  ".ts": "video/mp2t",
  ".jpg": "image/jpeg",
  ".vtt": "text/vtt; charset=utf-8",
};

function contentType(key: string): string {
  const dot = key.lastIndexOf(".");
  return CONTENT_TYPES[dot >= 0 ? key.slice(dot) : ""] ?? "application/octet-stream";
}

/** Options for createMediaStore. */
export interface MediaStoreOptions {
  client: MinioClient;
  mediaBucket: string;
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === "NotFound" || code === "NoSuchKey";
}

/** Creates the MinIO media store. */
export function createMediaStore(options: MediaStoreOptions): MediaStore {
  const { client, mediaBucket } = options;
  return {
    async sourceSize(bucket, key) {
      try {
        return (await client.statObject(bucket, key)).size;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async downloadSource(bucket, key, file) {
      await client.fGetObject(bucket, key, file);
    },
    async putFile(key, file) {
      // Outputs are small (a 2-4 s segment, an image): one read and one buffer, not a
      // stream that the client would gather into chunks and concatenate again.
      const body = await readFile(file);
      await client.putObject(mediaBucket, key, body, body.length, { "Content-Type": contentType(key) });
      return body.length;
    },
    async putText(key, text) {
      const body = Buffer.from(text, "utf8");
      await client.putObject(mediaBucket, key, body, body.length, { "Content-Type": contentType(key) });
    },
    async getText(key) {
      try {
        const stream = await client.getObject(mediaBucket, key);
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString("utf8");
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async isDeleted(videoId) {
      try {
        await client.statObject(mediaBucket, tombstoneKey(videoId));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    async removePrefix(prefix) {
      const names: string[] = [];
      for await (const item of client.listObjectsV2(mediaBucket, prefix, true)) {
        const name = (item as { name?: string }).name;
        if (name) names.push(name);
      }
      if (names.length > 0) await client.removeObjects(mediaBucket, names);
    },
  };
}
