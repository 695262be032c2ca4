// A resumable upload that rides out outages, as a patient client would: every
// call (StartUpload, PutChunk, GetUploadStatus, FinishUpload) is retried with
// backoff until a deadline, and after a failed PutChunk the upload resumes at
// the offset the server says it committed. FinishUpload is idempotent on the
// server (a completed session answers with its video id again), so retrying it
// after a lost answer cannot make a second video.
import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { bearer, type PublicApi } from "./api.ts";

/** What to upload, and how long to keep trying. */
export interface PatientUploadInput {
  channelId: string;
  title: string;
  path: string;
  sizeBytes: number;
  /** Give up (throw the last error) after this many ms in all. */
  deadlineMs: number;
  /** Called after each committed chunk with the server's committed offset. */
  onChunk?: (committedOffset: number) => void | Promise<void>;
  /** Called for each failed call (to count errors during a fault). */
  onError?: (call: string, err: ConnectError) => void;
}

/** Codes that a retry cannot fix: the request itself is wrong or not allowed. */
const FINAL = new Set([Code.InvalidArgument, Code.PermissionDenied, Code.ResourceExhausted]);

/** Uploads one file through the public API; resolves with the video id FinishUpload returned. */
export async function patientUpload(api: PublicApi, token: string, input: PatientUploadInput): Promise<string> {
  const deadline = Date.now() + input.deadlineMs;
  const call = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const error = ConnectError.from(err);
        input.onError?.(name, error);
        if (FINAL.has(error.code) || Date.now() > deadline) throw error;
        await sleep(Math.min(2000, 200 * 2 ** attempt));
      }
    }
  };
  const auth = { ...bearer(token), timeoutMs: 15_000 };
  const { session } = await call("StartUpload", () =>
    api.uploads.startUpload({ metadata: { channelId: input.channelId, title: input.title, contentType: "video/mp4", sizeBytes: BigInt(input.sizeBytes), filename: input.path.split("/").pop() ?? "" } }, auth),
  );
  if (!session) throw new Error("StartUpload returned no session");
  const chunkSize = Number(session.chunkSizeBytes);
  const file = await open(input.path, "r");
  try {
    let offset = 0;
    while (offset < input.sizeBytes) {
      const length = Math.min(chunkSize, input.sizeBytes - offset);
      const data = Buffer.allocUnsafe(length);
      await file.read(data, 0, length, offset);
      try {
        offset = Number((await api.uploads.putChunk({ uploadId: session.uploadId, offset: BigInt(offset), data }, auth)).committedOffset);
      } catch (err) {
        const error = ConnectError.from(err);
        input.onError?.("PutChunk", error);
        if (FINAL.has(error.code) || Date.now() > deadline) throw error;
        await sleep(500);
        // Resume where the server got to (the chunk may have been stored before the answer was lost).
        const status = await call("GetUploadStatus", () => api.uploads.getUploadStatus({ uploadId: session.uploadId }, auth));
        offset = Number(status.session?.committedOffset ?? offset);
        continue;
      }
      await input.onChunk?.(offset);
    }
  } finally {
    await file.close();
  }
  const finished = await call("FinishUpload", () => api.uploads.finishUpload({ uploadId: session.uploadId }, auth));
  return finished.videoId;
}
