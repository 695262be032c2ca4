import { invalidArgument, notFound } from "../../../lib/errors.ts";
import { canReadPlaylist, canReadVideo, readableVideo, requireOwner } from "./access.ts";
import { parseUpdateMask } from "./field-mask.ts";
import { Visibility, type PlaylistItemRecord, type PlaylistRecord } from "./model.ts";
import { decodePageToken, isUuid, pageSize, toPage, type Page, type PageRequest } from "./page-token.ts";
import type { PlaylistChanges, PlaylistStore, VideoStore } from "./ports.ts";
import { checkText, checkVisibility } from "./validation.ts";

const UPDATABLE = ["title", "description", "visibility"] as const;

/** A playlist's fields as a create or update carries them; visibility 0 (unspecified) on create means PRIVATE. */
export interface PlaylistFields {
  title: string;
  description: string;
  visibility: number;
}

/**
 * The playlist use cases: a private playlist is visible to its owner only
 * (NOT_FOUND for others); only the owner changes one; items whose video the
 * caller may not see (deleted, or someone else's private video) are left out.
 */
export interface Playlists {
  create(callerId: string, input: PlaylistFields): Promise<PlaylistRecord>;
  get(callerId: string | undefined, id: string): Promise<PlaylistRecord>;
  /** An owner's playlists: all for the owner, public ones for everyone else. */
  list(callerId: string | undefined, ownerId: string, page: PageRequest): Promise<Page<PlaylistRecord>>;
  update(callerId: string, id: string, fields: PlaylistFields, paths: readonly string[]): Promise<PlaylistRecord>;
  delete(callerId: string, id: string): Promise<void>;
  /** Adds a video the caller may see, at position (the end when undefined). */
  addItem(callerId: string, playlistId: string, videoId: string, position: number | undefined): Promise<PlaylistItemRecord>;
  removeItem(callerId: string, playlistId: string, itemId: string): Promise<void>;
  moveItem(callerId: string, playlistId: string, itemId: string, newPosition: number): Promise<PlaylistItemRecord>;
  listItems(callerId: string | undefined, playlistId: string, page: PageRequest): Promise<Page<PlaylistItemRecord>>;
}

/** Creates the playlist use cases. */
export function createPlaylists(options: { playlists: PlaylistStore; videos: VideoStore }): Playlists {
  const { playlists, videos } = options;

  const readable = async (id: string, callerId: string | undefined) => {
    const playlist = await playlists.get(id);
    if (!playlist || !canReadPlaylist(playlist, callerId)) throw notFound("playlist not found");
    return playlist;
  };
  const owned = async (id: string, callerId: string) => {
    const playlist = await playlists.get(id);
    if (playlist && !canReadPlaylist(playlist, callerId)) throw notFound("playlist not found");
    return requireOwner(playlist, callerId, "playlist");
  };

  return {
    create: (callerId, input) =>
      playlists.create({
        ownerId: callerId,
        title: input.title,
        description: input.description,
        visibility: input.visibility === 0 ? Visibility.PRIVATE : checkVisibility("visibility", input.visibility),
      }),

    get: (callerId, id) => readable(id, callerId),

    async list(callerId, ownerId, page) {
      const everything = callerId === ownerId;
      const scope = `playlists:${ownerId}:${everything ? "all" : "public"}`;
      const after = decodePageToken(page.pageToken, scope, ["time", "uuid"]) as [string, string] | undefined;
      const limit = pageSize(page.pageSize, 20, 100);
      const rows = await playlists.list({ ownerId, everything, ...(after ? { after } : {}), limit: limit + 1 });
      return toPage(rows, limit, scope, (last) => [last.createTime.toISOString(), last.id]);
    },

    async update(callerId, id, fields, paths) {
      if (!isUuid(id)) throw invalidArgument("playlist.id: must be a UUID");
      const mask = parseUpdateMask(paths, UPDATABLE);
      await owned(id, callerId);
      const changes: PlaylistChanges = {};
      if (mask.has("title")) changes.title = checkText("playlist.title", fields.title, 1, 150);
      if (mask.has("description")) changes.description = checkText("playlist.description", fields.description, 0, 5000);
      if (mask.has("visibility")) changes.visibility = checkVisibility("playlist.visibility", fields.visibility);
      const playlist = await playlists.update(id, changes);
      if (!playlist) throw notFound("playlist not found");
      return playlist;
    },

    async delete(callerId, id) {
      await owned(id, callerId);
      await playlists.delete(id);
    },

    async addItem(callerId, playlistId, videoId, position) {
      await owned(playlistId, callerId);
      readableVideo(await videos.get(videoId), callerId);
      return playlists.addItem(playlistId, videoId, position);
    },

    async removeItem(callerId, playlistId, itemId) {
      await owned(playlistId, callerId);
      await playlists.removeItem(playlistId, itemId);
    },

    async moveItem(callerId, playlistId, itemId, newPosition) {
      await owned(playlistId, callerId);
      return playlists.moveItem(playlistId, itemId, newPosition);
    },

    async listItems(callerId, playlistId, page) {
      const playlist = await readable(playlistId, callerId);
      const scope = `items:${playlist.id}`;
      const after = decodePageToken(page.pageToken, scope, ["number"]);
      const limit = pageSize(page.pageSize, 50, 200);
      const rows = await playlists.listItems(playlist.id, after ? (after[0] as number) : -1, limit + 1);
      const result = toPage(rows, limit, scope, (last) => [last.position]);
      return { items: result.items.filter((item) => item.video && canReadVideo(item.video, callerId)), nextPageToken: result.nextPageToken };
    },
  };
}
