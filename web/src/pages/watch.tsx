import { Code } from "@connectrpc/connect";
import type { Playlist, PlaylistItem, Video } from "@gen/xtream/catalog/v1/resources_pb.js";
import { VideoStatus } from "@gen/xtream/catalog/v1/resources_pb.js";
import type { GetPlaybackInfoResponse } from "@gen/xtream/playback/v1/playback_service_pb.js";
import { useLocation, useRoute } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api/clients.js";
import { describeError, errorCode } from "../api/errors.js";
import { useSession } from "../auth/session.js";
import { useChannel } from "../components/channel-cache.js";
import { formatAge, formatViews } from "../components/format.js";
import { ErrorNote, InfoNote, Spinner } from "../components/notes.js";
import { preloadHls } from "../player/hls-loader.js";
import { Player } from "../player/player.js";
import { useTitle } from "./use-title.js";
import { loadWatch } from "./watch-prefetch.js";
import { watchStatus } from "./watch-status.js";

type Phase =
  | { kind: "loading" }
  | { kind: "refused"; message: string; signedIn: boolean }
  | { kind: "waiting"; video: Video }
  | { kind: "playing"; video: Video; info: GetPlaybackInfoResponse; startAt: number };

/** The watch page: player, details, and the playlist when watching one in order. */
export function WatchPage() {
  const { params } = useRoute();
  const location = useLocation();
  const { user, ready } = useSession();
  const id = params.id ?? "";
  const listId = location.query.list ?? "";
  const [phase, setPhase] = useState<Phase>({ kind: "loading" });
  const [error, setError] = useState<string | null>(null);
  const viewCounted = useRef(false);
  const reloads = useRef(0);
  useTitle(phase.kind === "playing" || phase.kind === "waiting" ? phase.video.title : undefined);

  useEffect(() => void preloadHls(), []);

  // Who is watching: a call made while the session is still being restored
  // already waits for its token, so only a later sign-in or sign-out reloads.
  const viewer = useRef<string | null>(null);
  const identity = ready ? (user?.id ?? "") : null;
  if (viewer.current === null && identity !== null) viewer.current = identity;
  const viewerKey = identity === null || identity === viewer.current ? "same" : identity;

  // Load the video and where to play it; a video not yet playable waits on its live status.
  useEffect(() => {
    if (viewerKey !== "same") viewer.current = identity;
    const controller = new AbortController();
    const { signal } = controller;
    viewCounted.current = false;
    reloads.current = 0;
    setPhase({ kind: "loading" });
    setError(null);
    (async () => {
      const [videoResult, infoResult] = await loadWatch(id, signal);
      if (signal.aborted) return;
      if (videoResult.status === "rejected") {
        setPhase({ kind: "refused", message: refusal(videoResult.reason), signedIn: !!user });
        return;
      }
      const video = videoResult.value.video!;
      if (infoResult.status === "fulfilled") {
        setPhase({ kind: "playing", video, info: infoResult.value, startAt: 0 });
        if (video.status !== VideoStatus.READY) void followStatus(video, signal, true);
        return;
      }
      if (errorCode(infoResult.reason) !== Code.FailedPrecondition) {
        setPhase({ kind: "refused", message: refusal(infoResult.reason), signedIn: !!user });
        return;
      }
      setPhase({ kind: "waiting", video });
      await followStatus(video, signal, false);
    })().catch((err: unknown) => !signal.aborted && setError(describeError(err)));
    return () => controller.abort();
  }, [id, viewerKey]);

  /** Follows WatchVideo: updates the details and starts playback once the first rung is playable. */
  async function followStatus(video: Video, signal: AbortSignal, alreadyPlaying: boolean): Promise<void> {
    let playing = alreadyPlaying;
    for await (const latest of watchStatus(video.id, signal)) {
      if (!playing && latest.playable) {
        const info = await api.playback.getPlaybackInfo({ videoId: video.id }, { signal });
        playing = true;
        setPhase({ kind: "playing", video: latest, info, startAt: 0 });
      } else {
        setPhase((old) => (old.kind === "playing" ? { ...old, video: latest } : old.kind === "waiting" ? { kind: "waiting", video: latest } : old));
      }
    }
  }

  function onFirstPlay(): void {
    if (viewCounted.current) return;
    viewCounted.current = true;
    api.videos
      .recordView({ videoId: id, viewerId: viewerId() })
      .then((r) => setPhase((old) => (old.kind === "playing" ? { ...old, video: { ...old.video, viewCount: r.viewCount } } : old)))
      .catch(() => undefined); // a lost view count is not worth interrupting the person for
  }

  async function onFatal(_message: string, status: number | undefined, position: number): Promise<void> {
    // A signed link expired mid-play: fetch a fresh one and carry on where we were (once).
    if ((status === 403 || status === 401) && reloads.current < 1 && phase.kind === "playing") {
      reloads.current++;
      try {
        const info = await api.playback.getPlaybackInfo({ videoId: id });
        setPhase({ ...phase, info, startAt: position });
      } catch (err) {
        setError(describeError(err));
      }
    }
  }

  if (error) return <div class="page"><ErrorNote message={error} onRetry={() => location.route(location.url, true)} /></div>;
  if (phase.kind === "loading") return <div class="page center"><Spinner label="Loading video" /></div>;
  if (phase.kind === "refused") {
    return (
      <div class="page narrow center refusal" role="alert">
        <h1>This video isn't available</h1>
        <p>{phase.message}</p>
        {!phase.signedIn && (
          <p>
            <a class="btn btn-primary" href={`/signin?next=${encodeURIComponent(location.url)}`}>
              Sign in
            </a>
          </p>
        )}
        <a href="/">Back to the home page</a>
      </div>
    );
  }
  const video = phase.video;
  return (
    <div class={listId ? "watch with-list" : "watch"}>
      <div class="watch-main">
        {phase.kind === "playing" ? (
          <Player
            key={`${video.id}:${phase.info.masterPlaylistUrl}`}
            source={{
              masterUrl: phase.info.masterPlaylistUrl,
              posterUrl: phase.info.posterUrl,
              storyboardVttUrl: phase.info.storyboardVttUrl,
              complete: phase.info.complete && video.status === VideoStatus.READY,
            }}
            startAt={phase.startAt}
            onFirstPlay={onFirstPlay}
            onEnded={() => listId && void playNext(listId, video.id, location.route)}
            onFatal={(message, status, position) => void onFatal(message, status, position)}
          />
        ) : (
          <div class="player player-waiting">
            <ProcessingStatus video={video} />
          </div>
        )}
        {phase.kind === "playing" && video.status === VideoStatus.PROCESSING && (
          <InfoNote>Still processing ({video.progressPercent}%): higher qualities appear as they finish.</InfoNote>
        )}
        <VideoDetails video={video} />
      </div>
      {listId && <PlaylistSidebar playlistId={listId} currentVideoId={video.id} />}
    </div>
  );
}

function ProcessingStatus({ video }: { video: Video }) {
  if (video.status === VideoStatus.FAILED) {
    return (
      <div class="player-error" role="alert">
        Processing failed: {video.failureReason || "the file could not be transcoded."}
      </div>
    );
  }
  const uploading = video.status === VideoStatus.UPLOADING;
  return (
    <div class="processing" role="status">
      <Spinner label="Processing" />
      <p>{uploading ? "Waiting for the upload to finish…" : `Processing… ${video.progressPercent}%`}</p>
      <progress max={100} value={uploading ? undefined : video.progressPercent} aria-label="Processing progress" />
    </div>
  );
}

function VideoDetails({ video }: { video: Video }) {
  const channel = useChannel(video.channelId);
  const { user } = useSession();
  const [expanded, setExpanded] = useState(false);
  return (
    <section class="details" aria-label="About this video">
      <h1 class="watch-title">{video.title}</h1>
      <div class="details-row">
        <div class="channel-chip">
          <span class="avatar small" aria-hidden="true">
            {(channel?.title ?? "?").charAt(0).toUpperCase()}
          </span>
          {channel ? <a href={`/c/${channel.handle}`}>{channel.title}</a> : <span class="muted">…</span>}
        </div>
        <span class="muted">
          {formatViews(video.viewCount)} · {formatAge(video.createTime)}
        </span>
        <span class="spacer" />
        {user && <AddToPlaylist videoId={video.id} />}
        {user?.id === video.ownerId && (
          <a class="btn" href={`/studio?video=${video.id}`}>
            Edit
          </a>
        )}
      </div>
      {video.description && (
        <div class={expanded ? "description expanded" : "description"}>
          <p>{video.description}</p>
          {video.description.length > 240 && (
            <button type="button" class="link" onClick={() => setExpanded(!expanded)}>
              {expanded ? "Show less" : "Show more"}
            </button>
          )}
        </div>
      )}
      {video.tags.length > 0 && (
        <ul class="tags" aria-label="Tags">
          {video.tags.map((tag) => (
            <li key={tag}>
              <a href={`/search?q=${encodeURIComponent(tag)}`}>#{tag}</a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function AddToPlaylist({ videoId }: { videoId: string }) {
  const { user } = useSession();
  const [playlists, setPlaylists] = useState<Playlist[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  async function openMenu(): Promise<void> {
    setOpen(!open);
    if (playlists || !user) return;
    try {
      setPlaylists((await api.playlists.listPlaylists({ ownerId: user.id, pageSize: 100 })).playlists);
    } catch (err) {
      setMessage(describeError(err));
    }
  }
  async function add(playlist: Playlist): Promise<void> {
    try {
      await api.playlists.addPlaylistItem({ playlistId: playlist.id, videoId });
      setMessage(`Added to “${playlist.title}”.`);
      setOpen(false);
    } catch (err) {
      setMessage(describeError(err));
    }
  }
  return (
    <div class="menu">
      <button type="button" class="btn" aria-haspopup="true" aria-expanded={open} onClick={() => void openMenu()}>
        Save to playlist
      </button>
      {open && (
        <div class="menu-list" role="menu">
          {playlists === null && <Spinner />}
          {playlists?.length === 0 && <p class="muted">No playlists yet.</p>}
          {playlists?.map((p) => (
            <button type="button" role="menuitem" key={p.id} onClick={() => void add(p)}>
              {p.title}
            </button>
          ))}
          <a role="menuitem" href="/playlists">
            New playlist…
          </a>
        </div>
      )}
      {message && (
        <span class="toast" role="status">
          {message}
        </span>
      )}
    </div>
  );
}

function PlaylistSidebar({ playlistId, currentVideoId }: { playlistId: string; currentVideoId: string }) {
  const [items, setItems] = useState<PlaylistItem[] | null>(null);
  const [title, setTitle] = useState("");
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    Promise.all([api.playlists.getPlaylist({ playlistId }), listAllItems(playlistId)]).then(
      ([p, all]) => {
        setTitle(p.playlist?.title ?? "");
        setItems(all);
      },
      (err: unknown) => setError(describeError(err)),
    );
  }, [playlistId]);
  return (
    <aside class="playlist-side" aria-label="Playlist">
      <h2>{title || "Playlist"}</h2>
      {error && <ErrorNote message={error} />}
      {items === null && !error && <Spinner />}
      <ol>
        {items?.map((item) => (
          <li key={item.id} class={item.videoId === currentVideoId ? "current" : ""} aria-current={item.videoId === currentVideoId ? "true" : undefined}>
            <a href={`/watch/${item.videoId}?list=${playlistId}`}>{item.video?.title ?? "Unavailable video"}</a>
          </li>
        ))}
      </ol>
    </aside>
  );
}

async function listAllItems(playlistId: string): Promise<PlaylistItem[]> {
  const items: PlaylistItem[] = [];
  let pageToken = "";
  do {
    const page = await api.playlists.listPlaylistItems({ playlistId, pageSize: 100, pageToken });
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return items;
}

/** At the end of a video in a playlist: on to the next one the viewer may watch. */
async function playNext(playlistId: string, videoId: string, route: (url: string) => void): Promise<void> {
  const items = await listAllItems(playlistId);
  const index = items.findIndex((item) => item.videoId === videoId);
  const next = items.slice(index + 1).find((item) => item.video);
  if (next) route(`/watch/${next.videoId}?list=${playlistId}`);
}

function refusal(err: unknown): string {
  switch (errorCode(err)) {
    case Code.NotFound:
      return "It may be private, or it may have been deleted.";
    case Code.PermissionDenied:
      return "It's private: only its owner can watch it.";
    case Code.Unauthenticated:
      return "Sign in to watch it.";
    default:
      return describeError(err);
  }
}

/** A stable anonymous id so a view is counted once per browser (no personal data). */
function viewerId(): string {
  const key = "xtream.viewer";
  let found = localStorage.getItem(key);
  if (!found) {
    found = crypto.randomUUID();
    localStorage.setItem(key, found);
  }
  return found;
}
