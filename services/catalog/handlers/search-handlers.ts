import type { ServiceImpl } from "@connectrpc/connect";
import { durationMs, timestampDate } from "@bufbuild/protobuf/wkt";
import { optionalCaller } from "../../../lib/auth/index.ts";
import { invalidArgument } from "../../../lib/errors.ts";
import { SearchSort, type SearchService } from "../../../gen/xtream/catalog/v1/search_service_pb.js";
import type { SearchOrder, SearchQuery } from "../adapters/search-store.ts";
import { decodePageToken, encodePageToken, pageSize } from "../domain/page-token.ts";
import { toVideo } from "./convert.ts";
import type { CatalogDeps } from "./deps.ts";

/** SearchService: public, ready videos only, whoever asks. */
export function createSearchHandlers(deps: CatalogDeps): Partial<ServiceImpl<typeof SearchService>> {
  return {
    async searchVideos(request, context) {
      await optionalCaller(context, deps.verifier);
      const text = request.query.trim();
      if (text === "") throw invalidArgument("query: must not be blank");
      const order: SearchOrder =
        request.sort === SearchSort.NEWEST ? "newest" : request.sort === SearchSort.MOST_VIEWED ? "most_viewed" : "relevance";
      const query: SearchQuery = { text, order, limit: 0 };
      if (request.channelId) query.channelId = request.channelId;
      if (request.minDuration) query.minDurationMs = durationMs(request.minDuration);
      if (request.maxDuration) query.maxDurationMs = durationMs(request.maxDuration);
      if (request.uploadedAfter) query.uploadedAfter = timestampDate(request.uploadedAfter);
      if (request.uploadedBefore) query.uploadedBefore = timestampDate(request.uploadedBefore);
      if (query.minDurationMs !== undefined && query.maxDurationMs !== undefined && query.minDurationMs > query.maxDurationMs) {
        throw invalidArgument("min_duration: must not exceed max_duration");
      }

      // The token is bound to the whole query, so it cannot be replayed against another one.
      const scope = `search:${JSON.stringify([text, order, request.channelId, query.minDurationMs, query.maxDurationMs, query.uploadedAfter, query.uploadedBefore])}`;
      const after = decodePageToken(request.pageToken, scope, [order === "newest" ? "time" : "number", "uuid"]);
      if (after) query.after = [after[0]!, after[1] as string];
      const limit = pageSize(request.pageSize, 20, 50);
      query.limit = limit + 1;
      const hits = await deps.search.search(query);
      const page = hits.slice(0, limit);
      const last = page.at(-1);
      return {
        videos: page.map((hit) => toVideo(hit.video)),
        nextPageToken: hits.length > limit && last ? encodePageToken({ scope, key: [last.sortValue, last.video.id] }) : "",
      };
    },
  };
}
