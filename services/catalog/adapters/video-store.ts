import { randomUUID } from "node:crypto";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { inTransaction, type Pool } from "../../../lib/db/index.ts";
import { topics } from "../../../lib/kafka/index.ts";
import { enqueueEvent } from "../../../lib/outbox/index.ts";
import type { VideoStore } from "../domain/ports.ts";
import { VIDEO_COLUMNS, videoFromRow, type VideoRow } from "./rows.ts";

/**
 * SQL (alias v) for a video anyone may find in a listing: PUBLIC, not deleted,
 * and with something to watch (READY, or PROCESSING with its first rung
 * published); FAILED never. Migration 003's partial indexes use this exact
 * predicate, so keep them in step.
 */
export const PUBLICLY_LISTED = "v.deleted_at IS NULL AND v.visibility = 1 AND (v.status = 3 OR (v.status = 2 AND v.playable))";

/** Creates the PostgreSQL video store. */
export function createVideoStore(options: { pool: Pool }): VideoStore {
  const { pool } = options;
  const one = async (sql: string, values: unknown[]) => {
    const { rows } = await pool.query<VideoRow>(sql, values);
    return rows[0] ? videoFromRow(rows[0]) : undefined;
  };
  const changed = async (sql: string, values: unknown[]) => ((await pool.query(sql, values)).rowCount ?? 0) > 0;

  return {
    async create(input) {
      const video = await one(
        `INSERT INTO catalog.videos AS v (id, channel_id, owner_id, title, description, tags, language, visibility, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1) RETURNING ${VIDEO_COLUMNS}`,
        [randomUUID(), input.channelId, input.ownerId, input.title, input.description, input.tags, input.language, input.visibility],
      );
      return video!;
    },

    get: (id) => one(`SELECT ${VIDEO_COLUMNS} FROM catalog.videos v WHERE v.id = $1 AND v.deleted_at IS NULL`, [id]),

    async listByChannel({ channelId, everything, after, limit }) {
      const values: unknown[] = [channelId];
      const where = ["v.channel_id = $1", everything ? "v.deleted_at IS NULL" : PUBLICLY_LISTED];
      if (after) {
        values.push(after[0], after[1]);
        where.push(`(v.create_time, v.id) < ($2::timestamptz, $3::uuid)`);
      }
      values.push(limit);
      const { rows } = await pool.query<VideoRow>(
        `SELECT ${VIDEO_COLUMNS} FROM catalog.videos v WHERE ${where.join(" AND ")} ORDER BY v.create_time DESC, v.id DESC LIMIT $${values.length}`,
        values,
      );
      return rows.map(videoFromRow);
    },

    async listFeed({ order, after, limit }) {
      const keys = order === "latest" ? ["v.create_time", "v.id"] : ["v.view_count", "v.create_time", "v.id"];
      const casts = order === "latest" ? ["timestamptz", "uuid"] : ["bigint", "timestamptz", "uuid"];
      const values: unknown[] = [];
      const where = [PUBLICLY_LISTED];
      if (after) {
        if (after.length !== keys.length) throw new Error("feed cursor does not match the order");
        values.push(...after);
        where.push(`(${keys.join(", ")}) < (${casts.map((cast, index) => `$${index + 1}::${cast}`).join(", ")})`);
      }
      values.push(limit);
      const { rows } = await pool.query<VideoRow>(
        `SELECT ${VIDEO_COLUMNS} FROM catalog.videos v WHERE ${where.join(" AND ")}
         ORDER BY ${keys.map((key) => `${key} DESC`).join(", ")} LIMIT $${values.length}`,
        values,
      );
      return rows.map(videoFromRow);
    },

    update: (id, changes) =>
      one(
        `UPDATE catalog.videos v SET title = coalesce($2, title), description = coalesce($3, description), tags = coalesce($4, tags),
           language = coalesce($5, language), update_time = clock_timestamp()
         WHERE v.id = $1 AND v.deleted_at IS NULL RETURNING ${VIDEO_COLUMNS}`,
        [id, changes.title ?? null, changes.description ?? null, changes.tags ?? null, changes.language ?? null],
      ),

    async delete(id) {
      return inTransaction(pool, async (client) => {
        const { rows } = await client.query<{ owner_id: string }>(
          "UPDATE catalog.videos SET status = 5, deleted_at = now(), update_time = clock_timestamp() WHERE id = $1 AND deleted_at IS NULL RETURNING owner_id",
          [id],
        );
        const row = rows[0];
        if (!row) return false;
        await enqueueEvent(client, { schema: "catalog", topic: topics.videoDeleted, key: id, message: { videoId: id, ownerId: row.owner_id, eventId: randomUUID(), eventTime: timestampNow() } });
        return true;
      });
    },

    async setVisibility(id, visibility) {
      return inTransaction(pool, async (client) => {
        const { rows } = await client.query<VideoRow & { previous: number }>(
          `UPDATE catalog.videos v SET visibility = $2, update_time = clock_timestamp()
           FROM (SELECT visibility AS previous FROM catalog.videos WHERE id = $1 AND deleted_at IS NULL FOR UPDATE) old
           WHERE v.id = $1 AND v.deleted_at IS NULL RETURNING ${VIDEO_COLUMNS}, old.previous`,
          [id, visibility],
        );
        const row = rows[0];
        if (!row) return undefined;
        if (row.previous !== visibility) {
          await enqueueEvent(client, { schema: "catalog", topic: topics.videoVisibility, key: id, message: { videoId: id, visibility, eventId: randomUUID(), eventTime: timestampNow() } });
        }
        return videoFromRow(row);
      });
    },

    async recordView(id, viewer, periodBucket, perClient) {
      return inTransaction(pool, async (client) => {
        const { rows: videos } = await client.query<{ view_count: number }>("SELECT view_count FROM catalog.videos WHERE id = $1 AND deleted_at IS NULL", [id]);
        if (!videos[0]) return undefined;
        // One statement: the address's count and the insert (concurrent views from one
        // address may each see the count before the other's row; the cap is a bound, not exact).
        const inserted = await client.query(
          `INSERT INTO catalog.video_views (video_id, viewer, period_bucket, client_key)
           SELECT $1, $2, $3, $4
           WHERE $4 = '' OR (SELECT count(*) FROM catalog.video_views WHERE video_id = $1 AND period_bucket = $3 AND client_key = $4) < $5
           ON CONFLICT DO NOTHING`,
          [id, viewer, periodBucket, perClient?.key ?? "", perClient?.max ?? 0],
        );
        if ((inserted.rowCount ?? 0) === 0) return { counted: false, viewCount: videos[0].view_count };
        const { rows } = await client.query<{ view_count: number }>("UPDATE catalog.videos SET view_count = view_count + 1 WHERE id = $1 RETURNING view_count", [id]);
        return { counted: true, viewCount: rows[0]!.view_count };
      });
    },

    markProcessing: (id) =>
      changed("UPDATE catalog.videos SET status = 2, update_time = clock_timestamp() WHERE id = $1 AND status = 1 AND deleted_at IS NULL", [id]),

    applyProgress: (id, percent, playable) =>
      changed(
        `UPDATE catalog.videos SET status = 2, progress_percent = greatest(progress_percent, $2), playable = playable OR $3, update_time = clock_timestamp()
         WHERE id = $1 AND status IN (1, 2) AND deleted_at IS NULL AND (status = 1 OR progress_percent < $2 OR (playable = false AND $3))`,
        [id, Math.max(0, Math.min(100, Math.trunc(percent))), playable],
      ),

    markReady: (id, result) =>
      changed(
        `UPDATE catalog.videos SET status = 3, progress_percent = 100, playable = true, duration_ms = $2, renditions = $3::jsonb, poster_path = $4,
           failure_reason = '', update_time = clock_timestamp()
         WHERE id = $1 AND status IN (1, 2) AND deleted_at IS NULL`,
        [id, Math.round(result.durationMs), JSON.stringify(result.renditions), result.posterPath],
      ),

    async failAbandonedUploads(createdBefore, reason, limit) {
      const { rows } = await pool.query<{ id: string }>(
        `UPDATE catalog.videos SET status = 4, failure_reason = $2, update_time = clock_timestamp()
         WHERE id IN (SELECT id FROM catalog.videos WHERE status = 1 AND deleted_at IS NULL AND create_time < $1 ORDER BY create_time LIMIT $3 FOR UPDATE SKIP LOCKED)
           AND status = 1
         RETURNING id`,
        [createdBefore, reason, limit],
      );
      return rows.map((row) => row.id);
    },

    markFailed: (id, reason) =>
      changed(
        "UPDATE catalog.videos SET status = 4, failure_reason = $2, update_time = clock_timestamp() WHERE id = $1 AND status IN (1, 2) AND deleted_at IS NULL",
        [id, reason],
      ),
  };
}
