/** The demo playlist: public, holding the demo videos in catalogue order. */
import { Visibility, type Playlist } from "../../gen/xtream/catalog/v1/resources_pb.js";
import type { SeedApi } from "./api.ts";

/** Finds the owner's playlist titled `title` (creating it public), then appends the videos it lacks. */
export async function ensurePlaylist(
  api: SeedApi,
  ownerId: string,
  spec: { title: string; description: string },
  videoIds: string[],
): Promise<{ playlist: Playlist; created: boolean; added: number }> {
  let playlist: Playlist | undefined;
  let pageToken = "";
  do {
    const page = await api.playlists.listPlaylists({ ownerId, pageSize: 100, pageToken });
    playlist = page.playlists.find((p) => p.title === spec.title);
    pageToken = playlist ? "" : page.nextPageToken;
  } while (pageToken);
  const created = !playlist;
  if (!playlist) {
    playlist = (await api.playlists.createPlaylist({ ...spec, visibility: Visibility.PUBLIC })).playlist;
    if (!playlist) throw new Error("the catalog answered CreatePlaylist without a playlist");
  }
  const present = new Set<string>();
  pageToken = "";
  do {
    const page = await api.playlists.listPlaylistItems({ playlistId: playlist.id, pageSize: 200, pageToken });
    for (const item of page.items) present.add(item.videoId);
    pageToken = page.nextPageToken;
  } while (pageToken);
  let added = 0;
  for (const videoId of videoIds) {
    if (present.has(videoId)) continue;
    await api.playlists.addPlaylistItem({ playlistId: playlist.id, videoId });
    added++;
  }
  return { playlist, created, added };
}
