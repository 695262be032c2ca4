import type { PurgeQueue } from "../domain/ports.ts";
import type { Pool } from "../../../lib/db/index.ts";
import { UPLOAD_SCHEMA } from "./pg-session-repository.ts";

const S = UPLOAD_SCHEMA;

/** Creates the PostgreSQL purge queue. */
export function createPgPurgeQueue(pool: Pool): PurgeQueue {
  return {
    async schedule(videoId, ownerId, graceMs) {
      await pool.query(
        `INSERT INTO ${S}.media_purges (video_id, owner_id, due_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond') ON CONFLICT (video_id) DO NOTHING`,
        [videoId, ownerId, graceMs],
      );
    },
    async claimDue(limit, leaseMs) {
      const { rows } = await pool.query<{ video_id: string; attempts: number }>(
        `UPDATE ${S}.media_purges SET claimed_until = now() + $2 * interval '1 millisecond', attempts = attempts + 1
         WHERE video_id IN (
           SELECT video_id FROM ${S}.media_purges
           WHERE done_at IS NULL AND due_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
           ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING video_id, attempts`,
        [limit, leaseMs],
      );
      return rows.map((row) => ({ videoId: row.video_id, attempts: row.attempts }));
    },
    async markDone(videoId) {
      await pool.query(`UPDATE ${S}.media_purges SET done_at = now(), claimed_until = NULL, last_error = NULL WHERE video_id = $1`, [videoId]);
    },
    async markFailed(videoId, error) {
      await pool.query(`UPDATE ${S}.media_purges SET last_error = $2 WHERE video_id = $1`, [videoId, error.slice(0, 1000)]);
    },
    async isDeleted(videoId) {
      const { rows } = await pool.query(`SELECT 1 FROM ${S}.media_purges WHERE video_id = $1`, [videoId]);
      return rows.length > 0;
    },
  };
}
