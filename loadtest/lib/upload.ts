// A resumable upload through the public API (StartUpload → PutChunk … → FinishUpload),
// the way the web app uploads, reading the file in chunk-sized pieces.
import { open } from "node:fs/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { bearer, type PublicApi } from "./api.ts";

/** What to upload. */
export interface UploadInput {
  channelId: string;
  title: string;
  path: string;
  sizeBytes: number;
  contentType?: string;
  signal?: AbortSignal;
}

/** Uploads one file; retries a chunk once from the server's committed offset. Returns the video id. */
export async function uploadFile(api: PublicApi, token: string, input: UploadInput): Promise<string> {
  const auth = { ...bearer(token), signal: input.signal };
  const { session } = await api.uploads.startUpload(
    { metadata: { channelId: input.channelId, title: input.title, contentType: input.contentType ?? "video/mp4", sizeBytes: BigInt(input.sizeBytes), filename: input.path.split("/").pop() ?? "" } },
    auth,
  );
  if (!session) throw new Error("StartUpload returned no session");
  const chunkSize = Number(session.chunkSizeBytes);
  const file = await open(input.path, "r");
  try {
    let offset = 0;
    let retried = false;
    while (offset < input.sizeBytes) {
      const length = Math.min(chunkSize, input.sizeBytes - offset);
      const data = Buffer.allocUnsafe(length);
      await file.read(data, 0, length, offset);
      try {
        const answer = await api.uploads.putChunk({ uploadId: session.uploadId, offset: BigInt(offset), data }, auth);
        offset = Number(answer.committedOffset);
        retried = false;
      } catch (err) {
        // Resume as a client would: ask how far the server got, once per chunk.
        if (retried || ConnectError.from(err).code === Code.InvalidArgument || input.signal?.aborted) throw err;
        retried = true;
        const status = await api.uploads.getUploadStatus({ uploadId: session.uploadId }, auth);
        offset = Number(status.session?.committedOffset ?? offset);
      }
    }
  } finally {
    await file.close();
  }
  const finished = await api.uploads.finishUpload({ uploadId: session.uploadId }, auth);
  return finished.videoId;
}
