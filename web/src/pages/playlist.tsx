import type { Playlist, PlaylistItem } from "@gen/xtream/catalog/v1/resources_pb.js";
import { useRoute } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/clients.js";
import { describeError } from "../api/errors.js";
import { useSession } from "../auth/session.js";
import { durationSeconds, formatClock } from "../components/format.js";
import { ErrorNote, Spinner } from "../components/notes.js";
import { useTitle } from "./use-title.js";

/** One playlist: play it in order; its owner reorders (drag or buttons) and removes items. */
export function PlaylistPage() {
  const { params } = useRoute();
  const id = params.id ?? "";
  const { user } = useSession();
  const [playlist, setPlaylist] = useState<Playlist | null>(null);
  const [items, setItems] = useState<PlaylistItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dragged, setDragged] = useState<string | null>(null);
  useTitle(playlist?.title ?? "Playlist");

  async function reload(): Promise<void> {
    const [p, page] = await Promise.all([api.playlists.getPlaylist({ playlistId: id }), api.playlists.listPlaylistItems({ playlistId: id, pageSize: 100 })]);
    setPlaylist(p.playlist ?? null);
    setItems(page.items);
  }
  useEffect(() => {
    reload().catch((err: unknown) => setError(describeError(err)));
  }, [id, user?.id]);

  async function act(action: () => Promise<unknown>): Promise<void> {
    setError(null);
    try {
      await action();
      await reload();
    } catch (err) {
      setError(describeError(err));
      await reload().catch(() => undefined);
    }
  }
  function move(item: PlaylistItem, newPosition: number): void {
    if (!items || newPosition < 0 || newPosition >= items.length) return;
    // Show the new order at once; the server's answer follows.
    const next = items.filter((i) => i.id !== item.id);
    next.splice(newPosition, 0, item);
    setItems(next);
    void act(() => api.playlists.movePlaylistItem({ playlistId: id, itemId: item.id, newPosition }));
  }

  if (error && !playlist) return <div class="page"><ErrorNote message={error} /></div>;
  if (!playlist || !items) return <div class="page center"><Spinner /></div>;
  const mine = user?.id === playlist.ownerId;
  const first = items.find((i) => i.video);
  return (
    <div class="page narrow">
      <div class="page-head">
        <div>
          <h1>{playlist.title}</h1>
          {playlist.description && <p class="muted">{playlist.description}</p>}
          <p class="muted">{items.length} videos</p>
        </div>
        {first && (
          <a class="btn btn-primary" href={`/watch/${first.videoId}?list=${playlist.id}`}>
            ▶ Play all
          </a>
        )}
      </div>
      {error && <ErrorNote message={error} />}
      {items.length === 0 && <p class="muted">This playlist is empty. Save videos to it from their watch pages.</p>}
      <ol class="playlist-items">
        {items.map((item, index) => (
          <li
            key={item.id}
            data-item-id={item.id}
            draggable={mine}
            class={dragged === item.id ? "dragging" : ""}
            onDragStart={(e) => {
              setDragged(item.id);
              e.dataTransfer?.setData("text/plain", item.id);
            }}
            onDragEnd={() => setDragged(null)}
            onDragOver={(e) => mine && e.preventDefault()}
            onDrop={(e) => {
              e.preventDefault();
              const moving = items.find((i) => i.id === dragged);
              setDragged(null);
              if (moving && moving.id !== item.id) move(moving, index);
            }}
          >
            <span class="position">{index + 1}</span>
            <div class="item-title">
              {item.video ? <a href={`/watch/${item.videoId}?list=${playlist.id}`}>{item.video.title}</a> : <span class="muted">Unavailable video</span>}
              {item.video && <span class="muted small">{formatClock(durationSeconds(item.video.duration))}</span>}
            </div>
            {mine && (
              <div class="row-actions">
                <button type="button" class="btn btn-small" aria-label={`Move ${item.video?.title ?? "item"} up`} disabled={index === 0} onClick={() => move(item, index - 1)}>
                  ↑
                </button>
                <button type="button" class="btn btn-small" aria-label={`Move ${item.video?.title ?? "item"} down`} disabled={index === items.length - 1} onClick={() => move(item, index + 1)}>
                  ↓
                </button>
                <button type="button" class="btn btn-small btn-danger" aria-label={`Remove ${item.video?.title ?? "item"}`} onClick={() => void act(() => api.playlists.removePlaylistItem({ playlistId: id, itemId: item.id }))}>
                  Remove
                </button>
              </div>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
