import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { inTransaction, type Pool, type PoolClient } from "../../../lib/db/index.ts";
import { topics } from "../../../lib/kafka/topics.ts";
import { enqueueEvent } from "../../../lib/outbox/index.ts";
import type { LockedSession, QuotaUsage, SessionRepository, StoredPart, UploadSession, VideoFailedEvent } from "../domain/index.ts";

/** The PostgreSQL schema the upload service owns. */
export const UPLOAD_SCHEMA = "upload";

interface SessionRow {
  id: string;
  kind: UploadSession["kind"];
  video_id: string;
  owner_id: string;
  channel_id: string;
  content_type: string;
  filename: string;
  size_bytes: number;
  chunk_size_bytes: number;
  committed_offset: number;
  state: UploadSession["state"];
  end_reason: string;
  source_bucket: string;
  source_key: string;
  multipart_id: string;
  created_at: Date;
  expire_at: Date;
  completed_at: Date | null;
  trace_context: Record<string, string> | null;
  writing_part: number | null;
  writing_md5: string | null;
  writing_until: Date | null;
}

interface PartRow {
  part_number: number;
  size_bytes: number;
  etag: string;
  md5: string;
}

const S = UPLOAD_SCHEMA;

/** Upload sessions and their parts in PostgreSQL; completing writes the outbox row in the same transaction. */
export function createPgSessionRepository(pool: Pool): SessionRepository {
  const locked = (client: PoolClient, id: string): LockedSession => ({
    async part(partNumber) {
      const { rows } = await client.query<PartRow>(`SELECT part_number, size_bytes, etag, md5 FROM ${S}.upload_parts WHERE session_id = $1 AND part_number = $2`, [id, partNumber]);
      return rows[0] ? toPart(rows[0]) : undefined;
    },
    async parts() {
      const { rows } = await client.query<PartRow>(`SELECT part_number, size_bytes, etag, md5 FROM ${S}.upload_parts WHERE session_id = $1 ORDER BY part_number`, [id]);
      return rows.map(toPart);
    },
    async addPart(part, committedOffset) {
      await client.query(
        `INSERT INTO ${S}.upload_parts (session_id, part_number, size_bytes, etag, md5) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (session_id, part_number) DO UPDATE SET size_bytes = EXCLUDED.size_bytes, etag = EXCLUDED.etag, md5 = EXCLUDED.md5`,
        [id, part.partNumber, part.sizeBytes, part.etag, part.md5],
      );
      await client.query(`UPDATE ${S}.upload_sessions SET committed_offset = $2, updated_at = now() WHERE id = $1`, [id, committedOffset]);
    },
    async end(state, failed) {
      await client.query(`UPDATE ${S}.upload_sessions SET state = $2, end_reason = $3, updated_at = now() WHERE id = $1`, [id, state, failed.reason]);
      await enqueueFailed(client, failed);
    },
    async claimWrite(partNumber, md5, until) {
      await client.query(`UPDATE ${S}.upload_sessions SET writing_part = $2, writing_md5 = $3, writing_until = $4 WHERE id = $1`, [id, partNumber, md5, until]);
    },
    async clearWrite() {
      await client.query(`UPDATE ${S}.upload_sessions SET writing_part = NULL, writing_md5 = NULL, writing_until = NULL WHERE id = $1`, [id]);
    },
    async complete(event) {
      await client.query(`UPDATE ${S}.upload_sessions SET state = 'completed', completed_at = $2, updated_at = now() WHERE id = $1`, [id, event.uploadTime]);
      await enqueueEvent(client, {
        schema: S,
        topic: topics.videoUploaded,
        key: event.videoId,
        message: {
          eventId: event.eventId,
          videoId: event.videoId,
          ownerId: event.ownerId,
          channelId: event.channelId,
          sourceBucket: event.sourceBucket,
          sourceKey: event.sourceKey,
          sizeBytes: BigInt(event.sizeBytes),
          contentType: event.contentType,
          filename: event.filename,
          uploadTime: timestampFromDate(event.uploadTime),
        },
      });
    },
  });

  const usageOf = async (client: Pick<PoolClient, "query">, ownerId: string, now: Date): Promise<QuotaUsage> => {
    const { rows } = await client.query<{ stored: string; open: number }>(
      `SELECT coalesce(sum(size_bytes) FILTER (WHERE state = 'completed' OR (state = 'active' AND expire_at > $2)), 0) AS stored,
              count(*) FILTER (WHERE state = 'active' AND expire_at > $2)::int AS open
       FROM ${S}.upload_sessions s
       WHERE owner_id = $1 AND NOT EXISTS (SELECT 1 FROM ${S}.media_purges p WHERE p.video_id = s.video_id::text)`,
      [ownerId, now],
    );
    return { storedBytes: Number(rows[0]?.stored ?? 0), openSessions: rows[0]?.open ?? 0 };
  };

  return {
    usage: (ownerId, now) => usageOf(pool, ownerId, now),
    insert: (session, check) =>
      inTransaction(pool, async (client) => {
        // One opener per owner at a time, so two cannot both pass the check.
        await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`upload-quota:${session.ownerId}`]);
        check(await usageOf(client, session.ownerId, session.createdAt));
        await insertSession(client, session);
      }),
    async find(id) {
      const { rows } = await pool.query<SessionRow>(`SELECT * FROM ${S}.upload_sessions WHERE id = $1`, [id]);
      return rows[0] ? toSession(rows[0]) : undefined;
    },
    async withLocked(id, fn) {
      return inTransaction(pool, async (client) => {
        await client.query("SET LOCAL lock_timeout = '30s'");
        const { rows } = await client.query<SessionRow>(`SELECT * FROM ${S}.upload_sessions WHERE id = $1 FOR UPDATE`, [id]);
        return fn(rows[0] ? toSession(rows[0]) : undefined, locked(client, id));
      });
    },
    failVideo: (failed) => inTransaction(pool, (client) => enqueueFailed(client, failed)),
    async listActiveForVideo(videoId) {
      const { rows } = await pool.query<SessionRow>(`SELECT * FROM ${S}.upload_sessions WHERE video_id = $1 AND state = 'active'`, [videoId]);
      return rows.map(toSession);
    },
    async listExpired(now, limit) {
      const { rows } = await pool.query<SessionRow>(
        `SELECT * FROM ${S}.upload_sessions WHERE state = 'active' AND expire_at <= $1 ORDER BY expire_at LIMIT $2`,
        [now, limit],
      );
      return rows.map(toSession);
    },
  };
}

async function insertSession(client: PoolClient, session: UploadSession) {
  await client.query(
    `INSERT INTO ${S}.upload_sessions (id, kind, video_id, owner_id, channel_id, content_type, filename, size_bytes, chunk_size_bytes,
       committed_offset, state, end_reason, source_bucket, source_key, multipart_id, created_at, expire_at, completed_at, trace_context)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
    [
      session.id,
      session.kind,
      session.videoId,
      session.ownerId,
      session.channelId,
      session.contentType,
      session.filename,
      session.sizeBytes,
      session.chunkSizeBytes,
      session.committedOffset,
      session.state,
      session.endReason,
      session.sourceBucket,
      session.sourceKey,
      session.multipartId,
      session.createdAt,
      session.expireAt,
      session.completedAt ?? null,
      session.traceContext,
    ],
  );
}

async function enqueueFailed(client: PoolClient, failed: VideoFailedEvent) {
  await enqueueEvent(client, {
    schema: S,
    topic: topics.videoFailed,
    key: failed.videoId,
    message: { eventId: failed.eventId, videoId: failed.videoId, reason: failed.reason, eventTime: timestampFromDate(failed.time) },
  });
}

function toPart(row: PartRow): StoredPart {
  return { partNumber: row.part_number, sizeBytes: row.size_bytes, etag: row.etag, md5: row.md5 };
}

function toSession(row: SessionRow): UploadSession {
  return {
    id: row.id,
    kind: row.kind,
    videoId: row.video_id,
    ownerId: row.owner_id,
    channelId: row.channel_id,
    contentType: row.content_type,
    filename: row.filename,
    sizeBytes: row.size_bytes,
    chunkSizeBytes: row.chunk_size_bytes,
    committedOffset: row.committed_offset,
    state: row.state,
    endReason: row.end_reason,
    sourceBucket: row.source_bucket,
    sourceKey: row.source_key,
    multipartId: row.multipart_id,
    createdAt: row.created_at,
    expireAt: row.expire_at,
    completedAt: row.completed_at ?? undefined,
    traceContext: row.trace_context ?? {},
    ...(row.writing_part !== null && row.writing_md5 !== null && row.writing_until !== null
      ? { writing: { partNumber: row.writing_part, md5: row.writing_md5, until: row.writing_until } }
      : {}),
  };
}
