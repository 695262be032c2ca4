import { create } from "@bufbuild/protobuf";
import { DurationSchema, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { SearchSort } from "@gen/xtream/catalog/v1/search_service_pb.js";
import { useLocation } from "preact-iso";
import { api } from "../api/clients.js";
import { VideoGrid } from "../components/video-grid.js";
import { useTitle } from "./use-title.js";

const SORTS: Record<string, SearchSort> = { relevance: SearchSort.RELEVANCE, newest: SearchSort.NEWEST, views: SearchSort.MOST_VIEWED };
const LENGTHS: Record<string, [number | null, number | null]> = { short: [null, 60], medium: [60, 600], long: [600, null] };
const DAY = 86_400_000;
const AGES: Record<string, number> = { day: DAY, week: 7 * DAY, month: 30 * DAY, year: 365 * DAY };

/** Search results for ?q=, with the sorts and filters SearchVideos offers. */
export function SearchPage() {
  const location = useLocation();
  const q = (location.query.q ?? "").trim();
  const sort = location.query.sort ?? "relevance";
  const length = location.query.length ?? "";
  const age = location.query.age ?? "";
  useTitle(q ? `“${q}”` : "Search");

  function setFilter(name: string, value: string): void {
    const params = new URLSearchParams(location.query);
    if (value) params.set(name, value);
    else params.delete(name);
    location.route(`/search?${params.toString()}`, true);
  }

  const [minSeconds, maxSeconds] = LENGTHS[length] ?? [null, null];
  return (
    <div class="page">
      <div class="page-head">
        <h1>{q ? <>Results for “{q}”</> : "Search"}</h1>
        <div class="filters">
          <label>
            Sort
            <select value={sort} onChange={(e) => setFilter("sort", e.currentTarget.value === "relevance" ? "" : e.currentTarget.value)}>
              <option value="relevance">Relevance</option>
              <option value="newest">Newest</option>
              <option value="views">Most viewed</option>
            </select>
          </label>
          <label>
            Length
            <select value={length} onChange={(e) => setFilter("length", e.currentTarget.value)}>
              <option value="">Any</option>
              <option value="short">Under 1 minute</option>
              <option value="medium">1–10 minutes</option>
              <option value="long">Over 10 minutes</option>
            </select>
          </label>
          <label>
            Uploaded
            <select value={age} onChange={(e) => setFilter("age", e.currentTarget.value)}>
              <option value="">Any time</option>
              <option value="day">Today</option>
              <option value="week">This week</option>
              <option value="month">This month</option>
              <option value="year">This year</option>
            </select>
          </label>
        </div>
      </div>
      {q ? (
        <VideoGrid
          resetKey={`${q}|${sort}|${length}|${age}`}
          load={async (pageToken, signal) =>
            api.search.searchVideos(
              {
                query: q,
                sort: SORTS[sort] ?? SearchSort.RELEVANCE,
                minDuration: minSeconds === null ? undefined : create(DurationSchema, { seconds: BigInt(minSeconds) }),
                maxDuration: maxSeconds === null ? undefined : create(DurationSchema, { seconds: BigInt(maxSeconds) }),
                uploadedAfter: AGES[age] ? timestampFromMs(Date.now() - AGES[age]) : undefined,
                pageSize: 24,
                pageToken,
              },
              { signal },
            )
          }
          empty={
            <>
              <p>No results for “{q}”.</p>
              <p class="muted">Check the spelling, try fewer words, or remove a filter.</p>
            </>
          }
        />
      ) : (
        <p class="muted">Type in the search box to find videos.</p>
      )}
    </div>
  );
}
