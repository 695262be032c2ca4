/** Where a session is in its life; only ACTIVE sessions take bytes. */
export type UploadState = "active" | "completed" | "cancelled" | "expired";

/** How bytes arrive: one client-streaming call, or resumable chunks. */
export type UploadKind = "stream" | "resumable";

/** What the caller declares about the file and the video it becomes. */
export interface UploadMetadata {
  channelId: string;
  title: string;
  description: string;
  contentType: string;
  sizeBytes: number;
  filename: string;
}

/** An upload session, as stored. */
export interface UploadSession {
  id: string;
  kind: UploadKind;
  videoId: string;
  ownerId: string;
  channelId: string;
  contentType: string;
  filename: string;
  sizeBytes: number;
  /** Every chunk (and multipart part) is this long, except the last. */
  chunkSizeBytes: number;
  /** Bytes stored so far, in order; the next chunk starts here. */
  committedOffset: number;
  state: UploadState;
  /** Why the session ended without completing, for operators. */
  endReason: string;
  sourceBucket: string;
  sourceKey: string;
  /** The storage's multipart upload id. */
  multipartId: string;
  createdAt: Date;
  expireAt: Date;
  completedAt: Date | undefined;
  /** W3C trace headers of the call that opened the session; later calls join that trace. */
  traceContext: Record<string, string>;
  /** A chunk being sent to storage right now (PutChunk's claim), if any. */
  writing?: { partNumber: number; md5: string; until: Date };
}

/** One stored multipart part. Part n holds bytes [(n-1)·chunk, n·chunk). */
export interface StoredPart {
  partNumber: number;
  sizeBytes: number;
  etag: string;
  /** Hex MD5 of the part's bytes, to recognise a retried chunk. */
  md5: string;
}

/** The video.uploaded event, as the domain sees it. */
export interface VideoUploadedEvent {
  eventId: string;
  videoId: string;
  ownerId: string;
  channelId: string;
  sourceBucket: string;
  sourceKey: string;
  sizeBytes: number;
  contentType: string;
  filename: string;
  uploadTime: Date;
}

/** The video.failed event of an upload that ended without completing. */
export interface VideoFailedEvent {
  eventId: string;
  videoId: string;
  /** In words a person can read; shown on the video. */
  reason: string;
  time: Date;
}

/** Limits on what may be uploaded and how. */
export interface UploadLimits {
  /** Largest file accepted, in bytes (default 10 GiB). */
  maxSizeBytes: number;
  /** Media types accepted: exact ("application/octet-stream") or a family ("video/*"). */
  allowedContentTypes: string[];
  /** Smallest chunk size of resumable sessions (≥ 5 MiB, the storage's minimum part size). */
  chunkSizeBytes: number;
  /** Part size of client-streamed uploads. */
  streamPartSizeBytes: number;
  /** Parts of one streamed upload fully sent and waiting for storage's reply (they hold no bytes). */
  streamPartConcurrency: number;
  /** How long a session may stay unfinished. */
  sessionTtlMs: number;
  /** Per-account quota: source bytes stored (default 50 GiB). */
  maxStoredBytesPerAccount: number;
  /** Per-account quota: sessions open at once (default 5). */
  maxOpenSessionsPerAccount: number;
}

export const MiB = 1024 * 1024;

/** The defaults: 10 GiB, video/* and application/octet-stream, 8 MiB chunks, 24 h sessions, 50 GiB and 5 sessions per account. */
export const defaultLimits: UploadLimits = {
  maxSizeBytes: 10 * 1024 * MiB,
  allowedContentTypes: ["video/*", "application/octet-stream"],
  chunkSizeBytes: 8 * MiB,
  streamPartSizeBytes: 8 * MiB,
  streamPartConcurrency: 3,
  sessionTtlMs: 24 * 3600 * 1000,
  maxStoredBytesPerAccount: 50 * 1024 * MiB,
  maxOpenSessionsPerAccount: 5,
};
