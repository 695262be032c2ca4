import { FeedOrder } from "@gen/xtream/catalog/v1/video_service_pb.js";
import { useLocation } from "preact-iso";
import { api } from "../api/clients.js";
import { useSession } from "../auth/session.js";
import { primeChannels } from "../components/channel-cache.js";
import { VideoGrid } from "../components/video-grid.js";
import { useTitle } from "./use-title.js";

/** Home: the public feed, latest or most viewed, loading more as you scroll. */
export function HomePage() {
  const location = useLocation();
  const { user } = useSession();
  const popular = location.query.sort === "popular";
  useTitle(popular ? "Most viewed" : "Home");
  const order = popular ? FeedOrder.MOST_VIEWED : FeedOrder.LATEST;
  return (
    <div class="page">
      <div class="page-head">
        <h1>{popular ? "Most viewed" : "Latest videos"}</h1>
        <div class="tabs" role="tablist" aria-label="Order">
          <a role="tab" aria-selected={!popular} class={!popular ? "tab active" : "tab"} href="/">
            Latest
          </a>
          <a role="tab" aria-selected={popular} class={popular ? "tab active" : "tab"} href="/?sort=popular">
            Most viewed
          </a>
        </div>
      </div>
      <VideoGrid
        resetKey={String(order)}
        load={async (pageToken, signal) => {
          const page = await api.videos.listFeed({ order, pageSize: 24, pageToken }, { signal });
          primeChannels(page.channels);
          return page;
        }}
        empty={
          <>
            <p>No videos yet.</p>
            {user ? (
              <a class="btn btn-primary" href="/upload">
                Upload the first one
              </a>
            ) : (
              <p class="muted">
                Run <code>./dev.sh seed</code> for demo clips, or <a href="/signup">sign up</a> and upload one.
              </p>
            )}
          </>
        }
      />
    </div>
  );
}
