import type { ComponentChildren } from "preact";
import type { Video } from "@gen/xtream/catalog/v1/resources_pb.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api/errors.js";
import { ErrorNote } from "./notes.js";
import { VideoCard } from "./video-card.js";

/** Loads one page: the videos and the cursor of the next page ("" at the end). */
export type PageLoader = (pageToken: string, signal: AbortSignal) => Promise<{ videos: Video[]; nextPageToken: string }>;

/**
 * A grid of video cards that loads the next page when its end scrolls into
 * view. `resetKey` starts over (a new query or sort).
 */
export function VideoGrid({ load, resetKey, empty, showChannel }: { load: PageLoader; resetKey: string; empty: ComponentChildren; showChannel?: boolean }) {
  const [videos, setVideos] = useState<Video[]>([]);
  const [next, setNext] = useState<string | null>("");
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const generation = useRef(0);

  async function loadMore(token: string, gen: number, signal: AbortSignal): Promise<void> {
    setLoading(true);
    setError(null);
    try {
      const page = await load(token, signal);
      if (gen !== generation.current) return;
      setVideos((old) => {
        const seen = new Set(old.map((v) => v.id));
        return [...old, ...page.videos.filter((v) => !seen.has(v.id))];
      });
      setNext(page.nextPageToken || null);
    } catch (err) {
      if (gen === generation.current && !signal.aborted) setError(describeError(err));
    } finally {
      if (gen === generation.current) setLoading(false);
    }
  }

  // Start over on a new key.
  const controller = useRef<AbortController | null>(null);
  useEffect(() => {
    controller.current?.abort();
    controller.current = new AbortController();
    const gen = ++generation.current;
    setVideos([]);
    setNext("");
    void loadMore("", gen, controller.current.signal);
    return () => controller.current?.abort();
  }, [resetKey]);

  // Infinite scroll: the sentinel after the last card asks for the next page.
  useEffect(() => {
    const node = sentinel.current;
    if (!node || next === null || loading || error) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting) && next) void loadMore(next, generation.current, controller.current!.signal);
      },
      { rootMargin: "600px" },
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, [next, loading, error]);

  const done = next === null;
  return (
    <section aria-busy={loading}>
      {videos.length > 0 && (
        <div class="grid" role="list">
          {videos.map((video) => (
            <div role="listitem" key={video.id}>
              <VideoCard video={video} showChannel={showChannel} />
            </div>
          ))}
        </div>
      )}
      {loading && <div class="grid">{Array.from({ length: videos.length ? 4 : 8 }, (_, i) => <div class="card skeleton" key={i} aria-hidden="true" />)}</div>}
      {error && <ErrorNote message={error} onRetry={() => void loadMore(next ?? "", generation.current, controller.current!.signal)} />}
      {done && !loading && !error && videos.length === 0 && <div class="empty">{empty}</div>}
      <div ref={sentinel} class="sentinel" />
    </section>
  );
}
