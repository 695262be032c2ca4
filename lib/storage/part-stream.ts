import { PassThrough } from "node:stream";
import type { Client } from "minio";

/** One multipart-upload part being sent while its bytes arrive. */
export interface PartStream {
  /**
   * Sends the next bytes (kept by reference until written to the socket, so
   * the caller must not reuse them); resolves when more may be sent, which is
   * how a slow store holds the sender back. Rejects once the part has failed.
   */
  write(data: Uint8Array): Promise<void>;
  /** Call after the last byte; resolves to the part's etag once it is stored. */
  end(): Promise<string>;
  /** Gives the part up: the request is cut short, so the store keeps nothing of it. */
  abort(): void;
}

export interface PartTarget {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  /** The part's exact length, sent as Content-Length before the first byte. */
  sizeBytes: number;
}

/**
 * Starts an S3 UploadPart whose body is written as it arrives, so a part is
 * never held whole in memory. `client` must come from
 * createStreamingMinioClient (unsigned payload, no retries).
 */
export function startPartStream(client: Client, target: PartTarget): PartStream {
  const body = new PassThrough();
  let failure: Error | undefined;
  let waiting: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    waiting?.reject(failure);
    waiting = undefined;
  };
  body.on("drain", () => {
    waiting?.resolve();
    waiting = undefined;
  });

  const response = client.makeRequestStreamAsync(
    {
      method: "PUT",
      bucketName: target.bucket,
      objectName: target.key,
      query: `uploadId=${encodeURIComponent(target.uploadId)}&partNumber=${target.partNumber}`,
      headers: { "content-length": String(target.sizeBytes) },
    },
    body,
    "",
    [200],
    "",
  );
  // Observed at once: the request may fail while the caller is still writing.
  const stored = response.then(
    (res) => {
      res.resume();
      const etag = res.headers.etag;
      if (!etag) throw new Error(`UploadPart ${target.partNumber} returned no ETag`);
      return etag.replace(/^"|"$/g, "");
    },
    (error: unknown) => {
      const reason = error instanceof Error ? error : new Error(String(error));
      fail(reason);
      throw reason;
    },
  );
  stored.catch(() => undefined);

  return {
    write(data) {
      if (failure) return Promise.reject(failure);
      if (body.write(data)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    end() {
      body.end();
      return stored;
    },
    abort() {
      fail(new Error("the part was abandoned"));
      body.destroy(failure);
    },
  };
}
