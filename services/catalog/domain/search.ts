import { invalidArgument } from "../../../lib/errors.ts";
import type { VideoRecord } from "./model.ts";
import { decodePageToken, pageSize, toPage, type Page, type PageRequest } from "./page-token.ts";
import type { SearchOrder, SearchQuery, SearchStore } from "./ports.ts";

/** What a person searches for: the text, its order and optional filters. */
export interface SearchRequest {
  text: string;
  order: SearchOrder;
  channelId?: string;
  minDurationMs?: number;
  maxDurationMs?: number;
  uploadedAfter?: Date;
  uploadedBefore?: Date;
}

/** Search: public, ready videos only, whoever asks. */
export interface Search {
  search(request: SearchRequest, page: PageRequest): Promise<Page<VideoRecord>>;
}

/** Creates the search use case over the search store. */
export function createSearch(options: { search: SearchStore }): Search {
  return {
    async search(request, page) {
      const text = request.text.trim();
      if (text === "") throw invalidArgument("query: must not be blank");
      if (request.minDurationMs !== undefined && request.maxDurationMs !== undefined && request.minDurationMs > request.maxDurationMs) {
        throw invalidArgument("min_duration: must not exceed max_duration");
      }
      const { order } = request;
      const query: SearchQuery = { ...request, text, limit: 0 };
      // The token is bound to the whole query, so it cannot be replayed against another one.
      const scope = `search:${JSON.stringify([text, order, request.channelId ?? "", request.minDurationMs, request.maxDurationMs, request.uploadedAfter, request.uploadedBefore])}`;
      const after = decodePageToken(page.pageToken, scope, [order === "newest" ? "time" : "number", "uuid"]);
      if (after) query.after = [after[0]!, after[1] as string];
      const limit = pageSize(page.pageSize, 20, 50);
      query.limit = limit + 1;
      const hits = await options.search.search(query);
      const result = toPage(hits, limit, scope, (last) => [last.sortValue, last.video.id]);
      return { items: result.items.map((hit) => hit.video), nextPageToken: result.nextPageToken };
    },
  };
}
