import type { MediaCleaner } from "../domain/ports.ts";
import { mediaPrefix, tombstoneKey } from "../../../lib/storage/media-keys.ts";
import type { MinioClient } from "../../../lib/storage/minio.ts";

export interface MinioMediaCleanerOptions {
  client: MinioClient;
  sourceBucket: string;
  mediaBucket: string;
}

/** Creates the MinIO cleaner for deleted videos. */
export function createMinioMediaCleaner(options: MinioMediaCleanerOptions): MediaCleaner {
  const { client, sourceBucket, mediaBucket } = options;
  return {
    async writeTombstone(videoId) {
      await client.putObject(mediaBucket, tombstoneKey(videoId), Buffer.alloc(0), 0, { "Content-Type": "application/octet-stream" });
    },
    async removeSource(videoId) {
      const key = `sources/${videoId}`;
      await client.removeIncompleteUpload(sourceBucket, key).catch((err: unknown) => {
        // Gone between listing and aborting (or aborted by the session's own cancel): nothing left to do.
        if ((err as { code?: unknown }).code !== "NoSuchUpload") throw err;
      });
      await client.removeObject(sourceBucket, key);
    },
    async removeMedia(videoId) {
      let removed = 0;
      // In pages of up to 1000 (one DeleteObjects request each), until the folder is empty.
      for (;;) {
        const names: string[] = [];
        for await (const item of client.listObjectsV2(mediaBucket, mediaPrefix(videoId), true)) {
          const name = (item as { name?: string }).name;
          if (name) names.push(name);
          if (names.length >= 1000) break;
        }
        if (names.length === 0) return removed;
        const failed = (await client.removeObjects(mediaBucket, names)).find((result) => result?.Error);
        if (failed?.Error) throw new Error(`could not remove ${failed.Error.Key ?? "an object"}: ${failed.Error.Code ?? "error"}`);
        removed += names.length;
      }
    },
  };
}
