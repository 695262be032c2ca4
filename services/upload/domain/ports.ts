import type { QuotaUsage } from "./quota.ts";
import type { StoredPart, UploadSession, UploadState, VideoFailedEvent, VideoUploadedEvent } from "./types.ts";

/** Creates videos in the catalog on the caller's behalf (the catalog checks channel ownership). */
export interface VideoRegistry {
  createVideo(authorization: string, video: { channelId: string; title: string; description: string }): Promise<{ videoId: string; ownerId: string }>;
}

/** The source bucket, written through multipart uploads. */
export interface SourceStore {
  readonly bucket: string;
  /** Starts a multipart upload; returns its id. */
  initiate(key: string, contentType: string): Promise<string>;
  /** Stores one part (overwriting a part with the same number); returns its etag. */
  putPart(key: string, multipartId: string, partNumber: number, data: Uint8Array): Promise<string>;
  /** Starts storing a part of exactly sizeBytes whose bytes are written as they arrive; ends with its etag. */
  openPart(key: string, multipartId: string, partNumber: number, sizeBytes: number): PartWriter<string>;
  /** Joins the parts into the object. Completing an already completed upload of that size succeeds. */
  complete(key: string, multipartId: string, parts: StoredPart[], sizeBytes: number): Promise<void>;
  /** Discards a multipart upload, its parts and any object it became; missing ones are not an error. */
  abort(key: string, multipartId: string): Promise<void>;
}

/** A part being written while its bytes arrive; `T` is what storing it yields. */
export interface PartWriter<T> {
  /** Sends bytes (kept until sent: not reused by the caller); resolves when more may be sent. */
  write(data: Uint8Array): Promise<void>;
  /** Call after the part's last byte; resolves once the part is stored. */
  end(): Promise<T>;
  /** Gives the part up; nothing of it is stored. */
  abort(): void;
}

/** A session row locked for the duration of a transaction. */
export interface LockedSession {
  part(partNumber: number): Promise<StoredPart | undefined>;
  parts(): Promise<StoredPart[]>;
  /** Records a stored part and advances the committed offset. */
  addPart(part: StoredPart, committedOffset: number): Promise<void>;
  /**
   * Ends the session without completing it, and stores its video.failed event
   * in this transaction (so the catalog marks the video FAILED with the reason
   * instead of leaving it UPLOADING).
   */
  end(state: Exclude<UploadState, "active" | "completed">, failed: VideoFailedEvent): Promise<void>;
  /** Claims a part for a chunk about to be sent to storage, until `until`. */
  claimWrite(partNumber: number, md5: string, until: Date): Promise<void>;
  /** Releases the claim (after the part was recorded, or its sending failed). */
  clearWrite(): Promise<void>;
  /** Marks the session completed and stores its video.uploaded event, in this transaction. */
  complete(event: VideoUploadedEvent): Promise<void>;
}

/** Upload sessions in PostgreSQL. */
export interface SessionRepository {
  /**
   * Stores a new session unless the owner's usage (read under a per-owner
   * lock, so concurrent opens cannot both slip under a limit) fails `check`,
   * whose error is thrown instead.
   */
  insert(session: UploadSession, check: (usage: QuotaUsage) => void): Promise<void>;
  /** What the owner holds now (see UploadQuota). */
  usage(ownerId: string, now: Date): Promise<QuotaUsage>;
  find(id: string): Promise<UploadSession | undefined>;
  /** Runs fn in a transaction with the session row locked (undefined when there is none). */
  withLocked<T>(id: string, fn: (session: UploadSession | undefined, tx: LockedSession) => Promise<T>): Promise<T>;
  /**
   * Stores a video.failed event with no session behind it: a video the catalog
   * created for an upload that could not be opened, so it ends FAILED.
   */
  failVideo(failed: VideoFailedEvent): Promise<void>;
  /** A video's sessions that are still taking bytes. */
  listActiveForVideo(videoId: string): Promise<UploadSession[]>;
  /** Active sessions whose expiry passed, oldest first. */
  listExpired(now: Date, limit: number): Promise<UploadSession[]>;
}

/** Removes what a deleted video left in MinIO; every call is idempotent. */
export interface MediaCleaner {
  /** Marks the video deleted for the transcoder (lib/storage/media-keys.ts). */
  writeTombstone(videoId: string): Promise<void>;
  /** The source object and any unfinished multipart upload of it. */
  removeSource(videoId: string): Promise<void>;
  /** Every published object under the video's folder; returns how many were removed. */
  removeMedia(videoId: string): Promise<number>;
}

/** A deleted video whose objects are due for removal. */
export interface DuePurge {
  videoId: string;
  attempts: number;
}

/** Deleted videos waiting for their objects to be removed (upload.media_purges). */
export interface PurgeQueue {
  /** Records a deletion once (a redelivered event changes nothing); removal is due after graceMs. */
  schedule(videoId: string, ownerId: string, graceMs: number): Promise<void>;
  /** Takes up to `limit` due, unfinished purges for `leaseMs` (no other replica gets them meanwhile). */
  claimDue(limit: number, leaseMs: number): Promise<DuePurge[]>;
  markDone(videoId: string): Promise<void>;
  /** Leaves the purge for a later pass (after the lease), noting why it failed. */
  markFailed(videoId: string, error: string): Promise<void>;
  /** Whether the video was deleted (its purge scheduled, due or done). */
  isDeleted(videoId: string): Promise<boolean>;
}
