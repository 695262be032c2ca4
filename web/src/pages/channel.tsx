import type { Playlist } from "@gen/xtream/catalog/v1/resources_pb.js";
import { useRoute } from "preact-iso";
import { api } from "../api/clients.js";
import { useSession } from "../auth/session.js";
import { ErrorNote, Spinner } from "../components/notes.js";
import { useAsync } from "../components/use-async.js";
import { VideoGrid } from "../components/video-grid.js";
import { useTitle } from "./use-title.js";

/** A channel: who it is, its videos (newest first, more on scroll) and its owner's playlists. */
export function ChannelPage() {
  const { params } = useRoute();
  const handle = params.handle ?? "";
  const { user } = useSession();
  const [channel] = useAsync(async (signal) => (await api.channels.getChannel({ lookup: { case: "handle", value: handle } }, { signal })).channel!, [handle]);
  const ownerId = channel.status === "ready" ? channel.value.ownerId : "";
  const [playlists] = useAsync<Playlist[]>(
    async (signal) => (ownerId ? (await api.playlists.listPlaylists({ ownerId, pageSize: 50 }, { signal })).playlists : []),
    [ownerId, user?.id],
  );
  useTitle(channel.status === "ready" ? channel.value.title : "Channel");

  if (channel.status === "loading") return <div class="page center"><Spinner /></div>;
  if (channel.status === "error") return <div class="page"><ErrorNote message={channel.message} /></div>;
  const c = channel.value;
  return (
    <div class="page">
      <header class="channel-head">
        <span class="avatar large" aria-hidden="true">
          {c.title.charAt(0).toUpperCase()}
        </span>
        <div>
          <h1>{c.title}</h1>
          <p class="muted">@{c.handle}</p>
          {c.description && <p>{c.description}</p>}
        </div>
        {user?.id === c.ownerId && (
          <a class="btn" href="/studio">
            Manage
          </a>
        )}
      </header>
      <h2>Videos</h2>
      <VideoGrid
        resetKey={`${c.id}|${user?.id ?? ""}`}
        showChannel={false}
        load={async (pageToken, signal) => api.videos.listVideos({ channelId: c.id, pageSize: 24, pageToken }, { signal })}
        empty={<p>This channel has no videos yet.</p>}
      />
      {playlists.status === "ready" && playlists.value.length > 0 && (
        <>
          <h2>Playlists</h2>
          <ul class="playlist-list">
            {playlists.value.map((p) => (
              <li key={p.id}>
                <a href={`/playlist/${p.id}`}>{p.title}</a> <span class="muted">{p.itemCount} videos</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
