import { inTransaction, type Pool } from "../../../lib/db/index.ts";
import type { SearchStore } from "../domain/ports.ts";
import { VIDEO_COLUMNS, videoFromRow, type VideoRow } from "./rows.ts";

/** word_similarity needed for a trigram (typo-tolerant) match; one wrong letter in a 7-letter word scores about 0.6. */
const TRIGRAM_THRESHOLD = 0.45;

/**
 * Creates the PostgreSQL search store. A video matches when its weighted
 * tsvector (title A, tags B, description C) matches the query, or when the
 * query is trigram-similar to a word run of its title and tags (typos).
 * Relevance = exact title bonus + ts_rank + trigram word similarity; ties and
 * cursors use the id. Only PUBLIC videos that are READY and not deleted
 * appear: PROCESSING or FAILED videos have nothing to watch yet.
 */
export function createSearchStore(options: { pool: Pool }): SearchStore {
  const { pool } = options;
  return {
    async search(query) {
      const values: unknown[] = [query.text];
      const param = (value: unknown) => {
        values.push(value);
        return `$${values.length}`;
      };
      const where = [
        "v.deleted_at IS NULL",
        "v.visibility = 1",
        "v.status = 3",
        "(v.search_vector @@ websearch_to_tsquery('english', $1) OR lower($1) <% v.search_text)",
      ];
      if (query.channelId) where.push(`v.channel_id = ${param(query.channelId)}::uuid`);
      if (query.minDurationMs !== undefined) where.push(`v.duration_ms >= ${param(query.minDurationMs)}`);
      if (query.maxDurationMs !== undefined) where.push(`v.duration_ms <= ${param(query.maxDurationMs)}`);
      if (query.uploadedAfter) where.push(`v.create_time >= ${param(query.uploadedAfter)}`);
      if (query.uploadedBefore) where.push(`v.create_time < ${param(query.uploadedBefore)}`);

      const sortExpression = { relevance: "s.score", newest: "v.create_time", most_viewed: "v.view_count" }[query.order];
      const castTo = { relevance: "float8", newest: "timestamptz", most_viewed: "bigint" }[query.order];
      if (query.after) where.push(`(${sortExpression}, v.id) < (${param(query.after[0])}::${castTo}, ${param(query.after[1])}::uuid)`);
      const limit = param(query.limit);

      const sql = `SELECT ${VIDEO_COLUMNS}, s.score
        FROM catalog.videos v
        CROSS JOIN LATERAL (SELECT (
            CASE WHEN lower(v.title) = lower($1) THEN 10 ELSE 0 END
            + ts_rank('{0.1, 0.2, 0.4, 1.0}', v.search_vector, websearch_to_tsquery('english', $1))
            + word_similarity(lower($1), v.search_text)
          )::float8 AS score) s
        WHERE ${where.join(" AND ")}
        ORDER BY ${sortExpression} DESC, v.id DESC
        LIMIT ${limit}`;

      const rows = await inTransaction(pool, async (client) => {
        await client.query("SELECT set_config('pg_trgm.word_similarity_threshold', $1, true)", [String(TRIGRAM_THRESHOLD)]);
        return (await client.query<VideoRow & { score: number }>(sql, values)).rows;
      });
      return rows.map((row) => {
        const video = videoFromRow(row);
        const sortValue = query.order === "relevance" ? row.score : query.order === "newest" ? video.createTime.toISOString() : video.viewCount;
        return { video, sortValue };
      });
    },
  };
}
