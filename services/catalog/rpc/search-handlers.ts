import type { ServiceImpl } from "@connectrpc/connect";
import { durationMs, timestampDate } from "@bufbuild/protobuf/wkt";
import { optionalCaller } from "../../../lib/auth/index.ts";
import { SearchSort, type SearchService } from "../../../gen/xtream/catalog/v1/search_service_pb.js";
import type { SearchRequest } from "../domain/search.ts";
import { toVideo } from "./convert.ts";
import type { CatalogDeps } from "./deps.ts";

/** SearchService: protobuf requests to the search use case (domain/search.ts) and back. */
export function createSearchHandlers(deps: CatalogDeps): Partial<ServiceImpl<typeof SearchService>> {
  return {
    async searchVideos(request, context) {
      await optionalCaller(context, deps.verifier);
      const search: SearchRequest = {
        text: request.query,
        order: request.sort === SearchSort.NEWEST ? "newest" : request.sort === SearchSort.MOST_VIEWED ? "most_viewed" : "relevance",
      };
      if (request.channelId) search.channelId = request.channelId;
      if (request.minDuration) search.minDurationMs = durationMs(request.minDuration);
      if (request.maxDuration) search.maxDurationMs = durationMs(request.maxDuration);
      if (request.uploadedAfter) search.uploadedAfter = timestampDate(request.uploadedAfter);
      if (request.uploadedBefore) search.uploadedBefore = timestampDate(request.uploadedBefore);
      const page = await deps.search.search(search, request);
      return { videos: page.items.map(toVideo), nextPageToken: page.nextPageToken };
    },
  };
}
