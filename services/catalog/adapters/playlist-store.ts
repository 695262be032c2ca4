import { randomUUID } from "node:crypto";
import { inTransaction, type Pool, type PoolClient } from "../../../lib/db/index.ts";
import { invalidArgument, notFound } from "../../../lib/errors.ts";
import type { PlaylistStore } from "../domain/ports.ts";
import { PLAYLIST_COLUMNS, VIDEO_COLUMNS, playlistFromRow, videoFromRow, type PlaylistRow, type VideoRow } from "./rows.ts";

/** Creates the PostgreSQL playlist store. */
export function createPlaylistStore(options: { pool: Pool }): PlaylistStore {
  const { pool } = options;

  const lockPlaylist = async (client: PoolClient, id: string) => {
    const { rows } = await client.query<{ item_count: number }>("SELECT item_count FROM catalog.playlists WHERE id = $1 FOR UPDATE", [id]);
    if (!rows[0]) throw notFound("playlist not found");
    return rows[0].item_count;
  };
  const touch = (client: PoolClient, id: string, delta: number) =>
    client.query("UPDATE catalog.playlists SET item_count = item_count + $2, update_time = clock_timestamp() WHERE id = $1", [id, delta]);
  const itemOf = async (client: PoolClient, playlistId: string, itemId: string) => {
    const { rows } = await client.query<{ id: string; video_id: string; position: number }>(
      "SELECT id, video_id, position FROM catalog.playlist_items WHERE id = $1 AND playlist_id = $2",
      [itemId, playlistId],
    );
    if (!rows[0]) throw notFound("playlist item not found");
    return rows[0];
  };

  return {
    async create(input) {
      const { rows } = await pool.query<PlaylistRow>(
        `INSERT INTO catalog.playlists (id, owner_id, title, description, visibility) VALUES ($1, $2, $3, $4, $5) RETURNING ${PLAYLIST_COLUMNS}`,
        [randomUUID(), input.ownerId, input.title, input.description, input.visibility],
      );
      return playlistFromRow(rows[0]!);
    },

    async get(id) {
      const { rows } = await pool.query<PlaylistRow>(`SELECT ${PLAYLIST_COLUMNS} FROM catalog.playlists WHERE id = $1`, [id]);
      return rows[0] ? playlistFromRow(rows[0]) : undefined;
    },

    async list({ ownerId, everything, after, limit }) {
      const values: unknown[] = [ownerId];
      const where = ["owner_id = $1"];
      if (!everything) where.push("visibility = 1");
      if (after) {
        values.push(after[0], after[1]);
        where.push("(create_time, id) < ($2::timestamptz, $3::uuid)");
      }
      values.push(limit);
      const { rows } = await pool.query<PlaylistRow>(
        `SELECT ${PLAYLIST_COLUMNS} FROM catalog.playlists WHERE ${where.join(" AND ")} ORDER BY create_time DESC, id DESC LIMIT $${values.length}`,
        values,
      );
      return rows.map(playlistFromRow);
    },

    async update(id, changes) {
      const { rows } = await pool.query<PlaylistRow>(
        `UPDATE catalog.playlists SET title = coalesce($2, title), description = coalesce($3, description), visibility = coalesce($4, visibility),
           update_time = clock_timestamp() WHERE id = $1 RETURNING ${PLAYLIST_COLUMNS}`,
        [id, changes.title ?? null, changes.description ?? null, changes.visibility ?? null],
      );
      return rows[0] ? playlistFromRow(rows[0]) : undefined;
    },

    async delete(id) {
      await pool.query("DELETE FROM catalog.playlists WHERE id = $1", [id]);
    },

    async addItem(playlistId, videoId, position) {
      return inTransaction(pool, async (client) => {
        const count = await lockPlaylist(client, playlistId);
        if (count >= 5000) throw invalidArgument("playlist is full (5000 items)");
        const at = position === undefined ? count : Math.min(position, count);
        await client.query("UPDATE catalog.playlist_items SET position = position + 1 WHERE playlist_id = $1 AND position >= $2", [playlistId, at]);
        const id = randomUUID();
        await client.query("INSERT INTO catalog.playlist_items (id, playlist_id, video_id, position) VALUES ($1, $2, $3, $4)", [id, playlistId, videoId, at]);
        await touch(client, playlistId, 1);
        return { id, playlistId, videoId, position: at, video: undefined };
      });
    },

    async removeItem(playlistId, itemId) {
      await inTransaction(pool, async (client) => {
        await lockPlaylist(client, playlistId);
        const item = await itemOf(client, playlistId, itemId);
        await client.query("DELETE FROM catalog.playlist_items WHERE id = $1", [itemId]);
        await client.query("UPDATE catalog.playlist_items SET position = position - 1 WHERE playlist_id = $1 AND position > $2", [playlistId, item.position]);
        await touch(client, playlistId, -1);
      });
    },

    async moveItem(playlistId, itemId, newPosition) {
      return inTransaction(pool, async (client) => {
        const count = await lockPlaylist(client, playlistId);
        const item = await itemOf(client, playlistId, itemId);
        const to = Math.min(newPosition, count - 1);
        if (to < item.position) {
          await client.query(
            "UPDATE catalog.playlist_items SET position = position + 1 WHERE playlist_id = $1 AND position >= $2 AND position < $3",
            [playlistId, to, item.position],
          );
        } else if (to > item.position) {
          await client.query(
            "UPDATE catalog.playlist_items SET position = position - 1 WHERE playlist_id = $1 AND position > $2 AND position <= $3",
            [playlistId, item.position, to],
          );
        }
        await client.query("UPDATE catalog.playlist_items SET position = $2 WHERE id = $1", [itemId, to]);
        await touch(client, playlistId, 0);
        return { id: itemId, playlistId, videoId: item.video_id, position: to, video: undefined };
      });
    },

    async listItems(playlistId, afterPosition, limit) {
      const { rows } = await pool.query<VideoRow & { item_id: string; item_position: number; item_video_id: string; video_live: boolean }>(
        `SELECT i.id AS item_id, i.position AS item_position, i.video_id AS item_video_id, v.deleted_at IS NULL AS video_live, ${VIDEO_COLUMNS}
         FROM catalog.playlist_items i JOIN catalog.videos v ON v.id = i.video_id
         WHERE i.playlist_id = $1 AND i.position > $2 ORDER BY i.position LIMIT $3`,
        [playlistId, afterPosition, limit],
      );
      return rows.map((row) => ({
        id: row.item_id,
        playlistId,
        videoId: row.item_video_id,
        position: row.item_position,
        video: row.video_live ? videoFromRow(row) : undefined,
      }));
    },
  };
}
