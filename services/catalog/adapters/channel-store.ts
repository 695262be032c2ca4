import { randomUUID } from "node:crypto";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { inTransaction, type Pool } from "../../../lib/db/index.ts";
import { alreadyExists } from "../../../lib/errors.ts";
import { topics } from "../../../lib/kafka/index.ts";
import { enqueueEvent } from "../../../lib/outbox/index.ts";
import type { ChannelStore } from "../domain/ports.ts";
import { CHANNEL_COLUMNS, channelFromRow, isUniqueViolation, type ChannelRow } from "./rows.ts";

/** Creates the PostgreSQL channel store. */
export function createChannelStore(options: { pool: Pool }): ChannelStore {
  const { pool } = options;
  const handleTaken = (handle: string) => alreadyExists(`handle "${handle}" is already taken`);

  return {
    async create(input) {
      try {
        const { rows } = await pool.query<ChannelRow>(
          `INSERT INTO catalog.channels (id, owner_id, handle, title, description) VALUES ($1, $2, $3, $4, $5) RETURNING ${CHANNEL_COLUMNS}`,
          [randomUUID(), input.ownerId, input.handle, input.title, input.description],
        );
        return channelFromRow(rows[0]!);
      } catch (err) {
        if (isUniqueViolation(err, "channels_handle_live")) throw handleTaken(input.handle);
        throw err;
      }
    },

    async get(id) {
      const { rows } = await pool.query<ChannelRow>(`SELECT ${CHANNEL_COLUMNS} FROM catalog.channels WHERE id = $1 AND deleted_at IS NULL`, [id]);
      return rows[0] ? channelFromRow(rows[0]) : undefined;
    },

    async getByHandle(handle) {
      const { rows } = await pool.query<ChannelRow>(`SELECT ${CHANNEL_COLUMNS} FROM catalog.channels WHERE handle = $1 AND deleted_at IS NULL`, [handle]);
      return rows[0] ? channelFromRow(rows[0]) : undefined;
    },

    async getMany(ids) {
      if (ids.length === 0) return [];
      const { rows } = await pool.query<ChannelRow>(`SELECT ${CHANNEL_COLUMNS} FROM catalog.channels WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL`, [ids]);
      return rows.map(channelFromRow);
    },

    async list({ ownerId, after, limit }) {
      const where = ["deleted_at IS NULL"];
      const values: unknown[] = [];
      if (ownerId !== undefined) {
        values.push(ownerId);
        where.push(`owner_id = $${values.length}`);
      }
      if (after) {
        values.push(after[0], after[1]);
        where.push(`(create_time, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
      }
      values.push(limit);
      const { rows } = await pool.query<ChannelRow>(
        `SELECT ${CHANNEL_COLUMNS} FROM catalog.channels WHERE ${where.join(" AND ")} ORDER BY create_time DESC, id DESC LIMIT $${values.length}`,
        values,
      );
      return rows.map(channelFromRow);
    },

    async update(id, changes) {
      try {
        const { rows } = await pool.query<ChannelRow>(
          `UPDATE catalog.channels SET handle = coalesce($2, handle), title = coalesce($3, title), description = coalesce($4, description)
           WHERE id = $1 AND deleted_at IS NULL RETURNING ${CHANNEL_COLUMNS}`,
          [id, changes.handle ?? null, changes.title ?? null, changes.description ?? null],
        );
        return channelFromRow(rows[0]!);
      } catch (err) {
        if (isUniqueViolation(err, "channels_handle_live")) throw handleTaken(changes.handle ?? "");
        throw err;
      }
    },

    async delete(id) {
      return inTransaction(pool, async (client) => {
        await client.query("UPDATE catalog.channels SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL", [id]);
        const { rows } = await client.query<{ id: string; owner_id: string }>(
          "UPDATE catalog.videos SET status = 5, deleted_at = now(), update_time = clock_timestamp() WHERE channel_id = $1 AND deleted_at IS NULL RETURNING id, owner_id",
          [id],
        );
        for (const row of rows) {
          await enqueueEvent(client, { schema: "catalog", topic: topics.videoDeleted, key: row.id, message: { videoId: row.id, ownerId: row.owner_id, eventId: randomUUID(), eventTime: timestampNow() } });
        }
        return rows.map((row) => row.id);
      });
    },

    async deleteAllOf(ownerId) {
      return inTransaction(pool, async (client) => {
        await client.query("UPDATE catalog.channels SET deleted_at = now() WHERE owner_id = $1 AND deleted_at IS NULL", [ownerId]);
        const { rows } = await client.query<{ id: string }>(
          "UPDATE catalog.videos SET status = 5, deleted_at = now(), update_time = clock_timestamp() WHERE owner_id = $1 AND deleted_at IS NULL RETURNING id",
          [ownerId],
        );
        for (const row of rows) {
          await enqueueEvent(client, { schema: "catalog", topic: topics.videoDeleted, key: row.id, message: { videoId: row.id, ownerId, eventId: randomUUID(), eventTime: timestampNow() } });
        }
        // Items go with their playlists (ON DELETE CASCADE).
        await client.query("DELETE FROM catalog.playlists WHERE owner_id = $1", [ownerId]);
        return rows.map((row) => row.id);
      });
    },
  };
}
