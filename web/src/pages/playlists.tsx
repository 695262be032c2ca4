import type { Playlist } from "@gen/xtream/catalog/v1/resources_pb.js";
import { Visibility } from "@gen/xtream/catalog/v1/resources_pb.js";
import type { User } from "@gen/xtream/identity/v1/identity_service_pb.js";
import { useState } from "preact/hooks";
import { api } from "../api/clients.js";
import { field } from "../components/form-field.js";
import { describeError } from "../api/errors.js";
import { ErrorNote, Spinner } from "../components/notes.js";
import { useAsync } from "../components/use-async.js";
import { RequireUser } from "./require-user.js";
import { useTitle } from "./use-title.js";

/** My playlists, and a form to create one. */
export function PlaylistsPage() {
  useTitle("Playlists");
  return <RequireUser>{(user) => <Playlists user={user} />}</RequireUser>;
}

function Playlists({ user }: { user: User }) {
  const [playlists, setPlaylists] = useAsync<Playlist[]>(async (signal) => (await api.playlists.listPlaylists({ ownerId: user.id, pageSize: 100 }, { signal })).playlists, [user.id]);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    setError(null);
    try {
      const { playlist } = await api.playlists.createPlaylist({
        title: field(form, "title"),
        description: field(form, "description"),
        visibility: Number(field(form, "visibility")) as Visibility,
      });
      formElement.reset();
      if (playlist && playlists.status === "ready") setPlaylists([playlist, ...playlists.value]);
    } catch (err) {
      setError(describeError(err));
    }
  }
  return (
    <div class="page narrow">
      <h1>Your playlists</h1>
      {playlists.status === "loading" && <Spinner />}
      {playlists.status === "error" && <ErrorNote message={playlists.message} />}
      {playlists.status === "ready" && playlists.value.length === 0 && <p class="muted">No playlists yet. Create one below, then save videos to it from their pages.</p>}
      {playlists.status === "ready" && playlists.value.length > 0 && (
        <ul class="playlist-list">
          {playlists.value.map((p) => (
            <li key={p.id}>
              <a href={`/playlist/${p.id}`}>{p.title}</a>
              <span class="muted">
                {p.itemCount} videos · {Visibility[p.visibility].toLowerCase()}
              </span>
            </li>
          ))}
        </ul>
      )}
      <form class="panel form" onSubmit={(e) => void submit(e)} aria-label="Create a playlist">
        <h2>New playlist</h2>
        {error && <ErrorNote message={error} />}
        <label>
          Title
          <input name="title" required maxLength={150} />
        </label>
        <label>
          Description
          <textarea name="description" rows={2} maxLength={5000} />
        </label>
        <label>
          Visibility
          <select name="visibility" defaultValue={String(Visibility.PRIVATE)}>
            <option value={Visibility.PUBLIC}>Public</option>
            <option value={Visibility.UNLISTED}>Unlisted</option>
            <option value={Visibility.PRIVATE}>Private</option>
          </select>
        </label>
        <button class="btn btn-primary" type="submit">
          Create playlist
        </button>
      </form>
    </div>
  );
}
