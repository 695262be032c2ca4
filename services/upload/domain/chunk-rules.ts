import { failedPrecondition, invalidArgument, outOfRange } from "../../../lib/errors.ts";
import type { StoredPart, UploadLimits, UploadMetadata, UploadSession } from "./types.ts";

/** S3 (and MinIO) allow at most this many parts per multipart upload. */
export const MAX_PARTS = 10_000;
/** S3's smallest part size (every part but the last). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

/** Refuses a file the limits do not allow, with a message for the caller. */
export function checkMetadata(metadata: UploadMetadata, limits: UploadLimits): void {
  if (metadata.sizeBytes > limits.maxSizeBytes) {
    throw outOfRange(`size_bytes ${metadata.sizeBytes} is over the limit of ${limits.maxSizeBytes} bytes`);
  }
  if (!isAllowedContentType(metadata.contentType, limits.allowedContentTypes)) {
    throw invalidArgument(`content_type "${metadata.contentType}" is not accepted; accepted: ${limits.allowedContentTypes.join(", ")}`);
  }
}

/** Whether a media type matches one of the patterns ("video/*" or an exact type); parameters are ignored. */
export function isAllowedContentType(contentType: string, allowed: string[]): boolean {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (!/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type)) return false;
  return allowed.some((pattern) => {
    const p = pattern.trim().toLowerCase();
    return p.endsWith("/*") ? type.startsWith(p.slice(0, -1)) : type === p;
  });
}

/** The chunk size for a file: the configured size, grown in whole MiB so the file fits in MAX_PARTS parts. */
export function chunkSizeFor(sizeBytes: number, configured: number): number {
  const mib = 1024 * 1024;
  const needed = Math.ceil(sizeBytes / MAX_PARTS / mib) * mib;
  return Math.max(configured, needed, MIN_PART_BYTES);
}

/** What to do with a PutChunk. */
export type ChunkPlan =
  | { kind: "store"; partNumber: number; committedOffset: number }
  | { kind: "acknowledge"; committedOffset: number };

/**
 * The resumable-upload offset rules. The chunk at the committed offset is
 * stored as the next part (it must be chunk-sized unless it is the last);
 * a chunk already stored, sent again with the same bytes, is acknowledged;
 * any other offset is refused naming the expected offset.
 */
export function planChunk(session: UploadSession, offset: number, length: number, md5: string, stored: StoredPart | undefined): ChunkPlan {
  const expected = session.committedOffset;
  if (offset === expected) {
    if (expected >= session.sizeBytes) throw outOfRange(`all ${session.sizeBytes} bytes were already received; call FinishUpload`);
    const end = offset + length;
    if (end > session.sizeBytes) throw outOfRange(`chunk ends at byte ${end}, past the declared size of ${session.sizeBytes} bytes`);
    if (length !== session.chunkSizeBytes && end !== session.sizeBytes) {
      throw invalidArgument(`chunk is ${length} bytes; every chunk but the last must be chunk_size_bytes (${session.chunkSizeBytes}) long`);
    }
    return { kind: "store", partNumber: partNumberAt(session, offset), committedOffset: end };
  }
  if (offset < expected && offset % session.chunkSizeBytes === 0 && stored && stored.sizeBytes === length && stored.md5 === md5) {
    return { kind: "acknowledge", committedOffset: expected };
  }
  if (offset < expected && offset % session.chunkSizeBytes === 0 && stored) {
    throw failedPrecondition(`the chunk at offset ${offset} differs from the one already stored; expected offset ${expected}`);
  }
  throw failedPrecondition(`wrong offset ${offset}: expected offset ${expected}`);
}

/** The part number holding the chunk that starts at offset. */
export function partNumberAt(session: Pick<UploadSession, "chunkSizeBytes">, offset: number): number {
  return Math.floor(offset / session.chunkSizeBytes) + 1;
}

/** Refuses to touch a session that no longer takes bytes (or has expired). */
export function assertActive(session: UploadSession, now: Date): void {
  if (session.state === "active" && session.expireAt.getTime() <= now.getTime()) throw failedPrecondition("the upload session has expired; start a new one");
  if (session.state !== "active") throw failedPrecondition(`the upload session is ${session.state}`);
}
