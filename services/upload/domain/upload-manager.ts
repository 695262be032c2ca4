import { createHash, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Caller } from "../../../lib/auth/index.ts";
import { AppError, failedPrecondition, notFound, permissionDenied } from "../../../lib/errors.ts";
import { annotateActiveSpan, ATTR_VIDEO_ID, inStoredTrace, traceCarrier } from "../../../lib/telemetry/spans.ts";
import { assertActive, checkMetadata, chunkSizeFor, partNumberAt, planChunk } from "./chunk-rules.ts";
import type { SessionRepository, SourceStore, VideoRegistry } from "./ports.ts";
import { checkQuota, type QuotaUsage } from "./quota.ts";
import { streamParts } from "./stream-parts.ts";
import type { UploadLimits, UploadMetadata, UploadSession, VideoUploadedEvent } from "./types.ts";

export interface UploadManagerOptions {
  sessions: SessionRepository;
  store: SourceStore;
  videos: VideoRegistry;
  limits: UploadLimits;
  now?: () => Date;
}

/** The result of a finished upload. */
export interface FinishedUpload {
  videoId: string;
  sizeBytes: number;
}

/** The upload service's use cases, independent of gRPC, PostgreSQL and MinIO. */
export interface UploadManager {
  /** Takes a whole file as a stream of chunks (the client-streaming RPC). */
  uploadStream(caller: Caller, authorization: string, metadata: UploadMetadata, chunks: AsyncIterable<Uint8Array>): Promise<FinishedUpload>;
  startUpload(caller: Caller, authorization: string, metadata: UploadMetadata): Promise<UploadSession>;
  putChunk(caller: Caller, uploadId: string, offset: number, data: Uint8Array): Promise<number>;
  getStatus(caller: Caller, uploadId: string): Promise<UploadSession>;
  finishUpload(caller: Caller, uploadId: string): Promise<FinishedUpload>;
  cancelUpload(caller: Caller, uploadId: string): Promise<void>;
  /** Ends a deleted video's unfinished sessions, aborting their multipart uploads. */
  cancelSessionsOfVideo(videoId: string): Promise<number>;
  /** Aborts the multipart uploads of expired sessions; returns how many ended. */
  expireSessions(limit?: number): Promise<number>;
}

/**
 * How long PutChunk's claim on a part lasts: longer than sending one chunk
 * takes (MinIO connections time out after 30 s idle), short enough that a
 * writer that died does not block its session's retries for long.
 */
const CHUNK_CLAIM_MS = 120_000;

/** Creates the upload use cases over their ports. */
export function createUploadManager(options: UploadManagerOptions): UploadManager {
  const { sessions, store, videos, limits } = options;
  const now = options.now ?? (() => new Date());

  const quota = { storedBytes: limits.maxStoredBytesPerAccount, openSessions: limits.maxOpenSessionsPerAccount };
  const withinQuota = (sizeBytes: number) => (usage: QuotaUsage) => checkQuota(usage, sizeBytes, quota);

  const open = async (caller: Caller, authorization: string, metadata: UploadMetadata, kind: UploadSession["kind"], chunkSizeBytes: number) => {
    checkMetadata(metadata, limits);
    // Refused before a video is created; checked again, under a lock, when the session is stored.
    withinQuota(metadata.sizeBytes)(await sessions.usage(caller.userId, now()));
    const { videoId } = await videos.createVideo(authorization, { channelId: metadata.channelId, title: metadata.title, description: metadata.description });
    annotateActiveSpan({ [ATTR_VIDEO_ID]: videoId });
    const sourceKey = `sources/${videoId}`;
    let multipartId: string;
    try {
      multipartId = await store.initiate(sourceKey, metadata.contentType);
    } catch (err) {
      await failOpening(videoId);
      throw err;
    }
    const created = now();
    const session: UploadSession = {
      id: randomUUID(),
      kind,
      videoId,
      ownerId: caller.userId,
      channelId: metadata.channelId,
      contentType: metadata.contentType,
      filename: metadata.filename,
      sizeBytes: metadata.sizeBytes,
      chunkSizeBytes,
      committedOffset: 0,
      state: "active",
      endReason: "",
      sourceBucket: store.bucket,
      sourceKey,
      multipartId,
      createdAt: created,
      expireAt: new Date(created.getTime() + limits.sessionTtlMs),
      completedAt: undefined,
      // The StartUpload (or Upload) call's span: the root of this upload's trace inside the platform.
      traceContext: traceCarrier(),
    };
    try {
      await sessions.insert(session, withinQuota(metadata.sizeBytes));
    } catch (err) {
      await store.abort(sourceKey, multipartId).catch(() => undefined);
      await failOpening(videoId, err instanceof AppError && err.kind === "resource_exhausted" ? `the upload was refused: ${err.message}` : undefined);
      throw err;
    }
    return session;
  };

  /**
   * The catalog created the video but its upload could not be opened: it ends
   * FAILED at once rather than UPLOADING forever. Best effort: when even this
   * cannot be stored, the catalog's reaper fails the video later.
   */
  const failOpening = (videoId: string, reason = "the upload could not be started; please upload the video again") =>
    sessions
      .failVideo({ eventId: randomUUID(), videoId, reason, time: now() })
      .catch(() => undefined);

  const owned = (caller: Caller, session: UploadSession | undefined): UploadSession => {
    if (!session) throw notFound("upload session not found");
    if (session.ownerId !== caller.userId) throw permissionDenied("only the uploader may use this upload session");
    return session;
  };

  const finish = async (caller: Caller, uploadId: string): Promise<FinishedUpload> =>
    sessions.withLocked(uploadId, async (found, tx) => {
      const session = owned(caller, found);
      annotateActiveSpan({ [ATTR_VIDEO_ID]: session.videoId });
      if (session.state === "completed") return { videoId: session.videoId, sizeBytes: session.sizeBytes };
      assertActive(session, now());
      if (session.committedOffset !== session.sizeBytes) {
        throw failedPrecondition(`the upload is incomplete: ${session.committedOffset} of ${session.sizeBytes} bytes received; continue at offset ${session.committedOffset}`);
      }
      // In the session's trace: the outbox row written below carries this span's context on to Kafka.
      return inStoredTrace("upload.finish", session.traceContext, { [ATTR_VIDEO_ID]: session.videoId, "upload.id": session.id, "upload.size_bytes": session.sizeBytes }, async () => {
        await store.complete(session.sourceKey, session.multipartId, await tx.parts(), session.sizeBytes);
        const event: VideoUploadedEvent = {
          eventId: randomUUID(),
          videoId: session.videoId,
          ownerId: session.ownerId,
          channelId: session.channelId,
          sourceBucket: session.sourceBucket,
          sourceKey: session.sourceKey,
          sizeBytes: session.sizeBytes,
          contentType: session.contentType,
          filename: session.filename,
          uploadTime: now(),
        };
        await tx.complete(event);
        return { videoId: session.videoId, sizeBytes: session.sizeBytes };
      });
    });

  /** Ends a session that will not complete, discarding its stored parts. */
  const discard = async (uploadId: string, state: "cancelled" | "expired", reason: string) =>
    sessions.withLocked(uploadId, async (session, tx) => {
      if (!session || session.state !== "active") return false;
      await store.abort(session.sourceKey, session.multipartId);
      await tx.end(state, { eventId: randomUUID(), videoId: session.videoId, reason, time: now() });
      return true;
    });

  return {
    async uploadStream(caller, authorization, metadata, chunks) {
      const partSize = chunkSizeFor(metadata.sizeBytes, limits.streamPartSizeBytes);
      const session = await open(caller, authorization, metadata, "stream", partSize);
      try {
        await streamParts(chunks, {
          partSize,
          sizeBytes: metadata.sizeBytes,
          concurrency: limits.streamPartConcurrency,
          open: (partNumber, sizeBytes) => {
            const writer = store.openPart(session.sourceKey, session.multipartId, partNumber, sizeBytes);
            return {
              write: (data) => writer.write(data),
              abort: () => writer.abort(),
              end: async () => {
                // Streamed parts are never retried by the client, so no checksum is needed to recognise one.
                const part = { partNumber, sizeBytes, etag: await writer.end(), md5: "" };
                await sessions.withLocked(session.id, async (current, tx) => tx.addPart(part, (current?.committedOffset ?? 0) + sizeBytes));
                return part;
              },
            };
          },
        });
        return await finish(caller, session.id);
      } catch (err) {
        const reason = err instanceof AppError ? `the upload did not complete: ${err.message}` : "the upload was interrupted before it completed";
        await discard(session.id, "cancelled", reason).catch(() => undefined);
        throw err;
      }
    },

    async startUpload(caller, authorization, metadata) {
      return open(caller, authorization, metadata, "resumable", chunkSizeFor(metadata.sizeBytes, limits.chunkSizeBytes));
    },

    /**
     * No transaction is open while the chunk goes to storage: a short one
     * plans the chunk and claims its part, the bytes are sent, another short
     * one records the part. The claim keeps a different chunk from being sent
     * to the same part meanwhile (ABORTED: retry); a second copy of the same
     * chunk waits for the first and is then acknowledged.
     */
    async putChunk(caller, uploadId, offset, data) {
      const md5 = md5Hex(data);
      for (let attempt = 0; ; attempt++) {
        const step = await sessions.withLocked(uploadId, async (found, tx) => {
          const session = owned(caller, found);
          annotateActiveSpan({ [ATTR_VIDEO_ID]: session.videoId });
          assertActive(session, now());
          const stored = offset < session.committedOffset ? await tx.part(partNumberAt(session, offset)) : undefined;
          const plan = planChunk(session, offset, data.byteLength, md5, stored);
          if (plan.kind === "acknowledge") return { kind: "done" as const, committedOffset: plan.committedOffset };
          const claim = session.writing;
          if (claim && claim.until.getTime() > now().getTime()) {
            if (claim.partNumber === plan.partNumber && claim.md5 === md5) return { kind: "wait" as const };
            throw new AppError("aborted", `another chunk is being stored at offset ${offset}; retry shortly`);
          }
          await tx.claimWrite(plan.partNumber, md5, new Date(now().getTime() + CHUNK_CLAIM_MS));
          return { kind: "send" as const, plan, session };
        });
        if (step.kind === "done") return step.committedOffset;
        if (step.kind === "wait") {
          if (attempt >= 1200) throw new AppError("aborted", `the same chunk is still being stored at offset ${offset}; retry shortly`);
          await sleep(50);
          continue;
        }
        const { plan, session } = step;
        const attributes = { [ATTR_VIDEO_ID]: session.videoId, "upload.id": session.id, "upload.offset": offset, "upload.chunk_bytes": data.byteLength };
        return inStoredTrace("upload.chunk", session.traceContext, attributes, async (span) => {
          span.setAttribute("upload.chunk_outcome", plan.kind);
          let etag: string;
          try {
            etag = await store.putPart(session.sourceKey, session.multipartId, plan.partNumber, data);
          } catch (err) {
            await sessions.withLocked(uploadId, (_current, tx) => tx.clearWrite()).catch(() => undefined);
            throw err;
          }
          return sessions.withLocked(uploadId, async (current, tx) => {
            const latest = owned(caller, current);
            assertActive(latest, now());
            if (latest.writing?.partNumber !== plan.partNumber || latest.writing.md5 !== md5) {
              throw new AppError("aborted", `the chunk at offset ${offset} took too long to store; send it again`);
            }
            await tx.addPart({ partNumber: plan.partNumber, sizeBytes: data.byteLength, etag, md5 }, plan.committedOffset);
            await tx.clearWrite();
            return plan.committedOffset;
          });
        });
      }
    },

    async getStatus(caller, uploadId) {
      const session = owned(caller, await sessions.find(uploadId));
      if (session.state === "active" && session.expireAt.getTime() <= now().getTime()) return { ...session, state: "expired" };
      return session;
    },

    finishUpload: finish,

    async cancelUpload(caller, uploadId) {
      const session = owned(caller, await sessions.find(uploadId));
      if (session.state === "completed") throw failedPrecondition("the upload is already completed");
      await discard(uploadId, "cancelled", "the upload was cancelled by the uploader");
    },

    async cancelSessionsOfVideo(videoId) {
      let ended = 0;
      for (const session of await sessions.listActiveForVideo(videoId)) {
        if (await discard(session.id, "cancelled", "the video was deleted")) ended++;
      }
      return ended;
    },

    async expireSessions(limit = 100) {
      let ended = 0;
      for (const session of await sessions.listExpired(now(), limit)) {
        if (await discard(session.id, "expired", "the upload expired before it was finished")) ended++;
      }
      return ended;
    },
  };
}

function md5Hex(data: Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}
