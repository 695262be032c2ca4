import type { MinioClient } from "../../../lib/storage/minio.ts";
import { startPartStream } from "../../../lib/storage/part-stream.ts";
import type { SourceStore, StoredPart } from "../domain/index.ts";

export interface MinioSourceStoreOptions {
  client: MinioClient;
  /** From createStreamingMinioClient: sends parts that are written as they arrive. */
  streamingClient: MinioClient;
  bucket: string;
}

/**
 * The source bucket through MinIO's low-level multipart calls, so that each
 * resumable chunk becomes one part and parts can be retried one by one, and
 * a client-streamed file goes to its parts as it arrives.
 */
export function createMinioSourceStore(options: MinioSourceStoreOptions): SourceStore {
  const { client, streamingClient, bucket } = options;
  return {
    bucket,
    async initiate(key, contentType) {
      return client.initiateNewMultipartUpload(bucket, key, { "Content-Type": contentType });
    },
    async putPart(key, multipartId, partNumber, data) {
      const payload = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const { etag } = await client.uploadPart(
        // uploadPart puts the id into the query string as it is.
        { bucketName: bucket, objectName: key, uploadID: encodeURIComponent(multipartId), partNumber, headers: { "Content-Length": payload.byteLength } },
        payload,
      );
      return etag;
    },
    openPart(key, multipartId, partNumber, sizeBytes) {
      return startPartStream(streamingClient, { bucket, key, uploadId: multipartId, partNumber, sizeBytes });
    },
    async complete(key, multipartId, parts: StoredPart[], sizeBytes) {
      try {
        await client.completeMultipartUpload(bucket, key, multipartId, parts.map((part) => ({ part: part.partNumber, etag: part.etag })));
      } catch (err) {
        // Completed by an earlier attempt whose transaction did not commit: the object is there.
        if (errorCode(err) !== "NoSuchUpload") throw err;
        const stat = await client.statObject(bucket, key);
        if (stat.size !== sizeBytes) throw err;
      }
    },
    async abort(key, multipartId) {
      try {
        await client.abortMultipartUpload(bucket, key, encodeURIComponent(multipartId));
      } catch (err) {
        if (errorCode(err) !== "NoSuchUpload") throw err;
      }
      // An earlier completion whose transaction never committed may have left the object: a
      // session that did not complete must leave nothing behind (deleting a missing key succeeds).
      await client.removeObject(bucket, key);
    },
  };
}

function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;
}
