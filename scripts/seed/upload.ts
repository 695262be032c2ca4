/**
 * Sends a file over the resumable upload RPCs, as the web app does:
 * StartUpload, then PutChunk at the acknowledged offset in the session's
 * chunk size, then FinishUpload. A transient failure (connection lost,
 * service unavailable) re-reads the acknowledged offset with GetUploadStatus
 * and goes on from there; the file is read a chunk at a time, never whole.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { open } from "node:fs/promises";
import { basename } from "node:path";
import type { SeedApi } from "./api.ts";

/** What the video is called; the bytes come from `path`. */
export interface UploadInput {
  path: string;
  sizeBytes: number;
  channelId: string;
  title: string;
  description: string;
}

/** Called after every acknowledged chunk. */
export type UploadProgressListener = (sentBytes: number, totalBytes: number) => void;

const TRANSIENT = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Aborted, Code.Unknown]);
const MAX_ATTEMPTS = 5;

/** Uploads the file; resolves with the new video's id once FinishUpload has succeeded. */
export async function uploadFile(api: SeedApi, input: UploadInput, onProgress: UploadProgressListener = () => {}): Promise<{ videoId: string }> {
  const { session } = await api.uploads.startUpload({
    metadata: {
      channelId: input.channelId,
      title: input.title,
      description: input.description,
      contentType: "video/mp4",
      sizeBytes: BigInt(input.sizeBytes),
      filename: basename(input.path),
    },
  });
  if (!session) throw new Error("the upload service answered StartUpload without a session");
  const { uploadId } = session;
  const chunkSize = Number(session.chunkSizeBytes);
  let offset = Number(session.committedOffset);
  const file = await open(input.path, "r");
  try {
    onProgress(offset, input.sizeBytes);
    while (offset < input.sizeBytes) {
      const length = Math.min(chunkSize, input.sizeBytes - offset);
      const data = new Uint8Array(length);
      const { bytesRead } = await file.read(data, 0, length, offset);
      if (bytesRead !== length) throw new Error(`${input.path} changed while it was being uploaded`);
      offset = await putWithRetries(api, uploadId, offset, data);
      onProgress(offset, input.sizeBytes);
    }
  } finally {
    await file.close();
  }
  const { videoId } = await withRetries(() => api.uploads.finishUpload({ uploadId }));
  return { videoId };
}

/** PutChunk, recovering the acknowledged offset after a transient failure (the chunk may have landed). */
async function putWithRetries(api: SeedApi, uploadId: string, offset: number, data: Uint8Array): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { committedOffset } = await api.uploads.putChunk({ uploadId, offset: BigInt(offset), data }, { timeoutMs: 120_000 });
      return Number(committedOffset);
    } catch (err) {
      if (!isTransient(err) || attempt >= MAX_ATTEMPTS) throw err;
      await sleep(500 * 2 ** (attempt - 1));
      const status = await withRetries(() => api.uploads.getUploadStatus({ uploadId }));
      const committed = Number(status.session?.committedOffset ?? 0);
      if (committed > offset) return committed;
    }
  }
}

async function withRetries<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isTransient(err) || attempt >= MAX_ATTEMPTS) throw err;
      await sleep(500 * 2 ** (attempt - 1));
    }
  }
}

function isTransient(err: unknown): boolean {
  return TRANSIENT.has(ConnectError.from(err).code);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
