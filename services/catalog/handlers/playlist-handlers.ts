import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { optionalCaller, requireCaller } from "../../../lib/auth/index.ts";
import { invalidArgument, notFound } from "../../../lib/errors.ts";
import type { PlaylistService } from "../../../gen/xtream/catalog/v1/playlist_service_pb.js";
import { Visibility as ProtoVisibility } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import type { PlaylistChanges } from "../adapters/playlist-store.ts";
import { canReadPlaylist, canReadVideo, readableVideo, requireOwner } from "../domain/access.ts";
import { parseUpdateMask } from "../domain/field-mask.ts";
import { Visibility, type PlaylistRecord } from "../domain/model.ts";
import { decodePageToken, encodePageToken, isUuid, pageSize } from "../domain/page-token.ts";
import { checkText, checkVisibility } from "../domain/validation.ts";
import { toPlaylist, toPlaylistItem } from "./convert.ts";
import type { CatalogDeps } from "./deps.ts";

const UPDATABLE = ["title", "description", "visibility"] as const;

/**
 * PlaylistService: a private playlist is visible to its owner only (NOT_FOUND
 * for others); only the owner changes one; items whose video the caller may
 * not see (deleted, or someone else's private video) are left out.
 */
export function createPlaylistHandlers(deps: CatalogDeps): Partial<ServiceImpl<typeof PlaylistService>> {
  const { playlists, videos, verifier } = deps;

  const readable = async (id: string, context: HandlerContext) => {
    const caller = await optionalCaller(context, verifier);
    const playlist = await playlists.get(id);
    if (!playlist || !canReadPlaylist(playlist, caller?.userId)) throw notFound("playlist not found");
    return { playlist, caller };
  };
  const owned = async (id: string, context: HandlerContext): Promise<{ playlist: PlaylistRecord; userId: string }> => {
    const caller = await requireCaller(context, verifier);
    const playlist = await playlists.get(id);
    if (playlist && !canReadPlaylist(playlist, caller.userId)) throw notFound("playlist not found");
    return { playlist: requireOwner(playlist, caller.userId, "playlist"), userId: caller.userId };
  };

  return {
    async createPlaylist(request, context) {
      const caller = await requireCaller(context, verifier);
      const playlist = await playlists.create({
        ownerId: caller.userId,
        title: request.title,
        description: request.description,
        visibility: request.visibility === ProtoVisibility.UNSPECIFIED ? Visibility.PRIVATE : checkVisibility("visibility", request.visibility),
      });
      return { playlist: toPlaylist(playlist) };
    },

    async getPlaylist(request, context) {
      return { playlist: toPlaylist((await readable(request.playlistId, context)).playlist) };
    },

    async listPlaylists(request, context) {
      const caller = await optionalCaller(context, verifier);
      const everything = caller?.userId === request.ownerId;
      const scope = `playlists:${request.ownerId}:${everything ? "all" : "public"}`;
      const after = decodePageToken(request.pageToken, scope, ["time", "uuid"]) as [string, string] | undefined;
      const limit = pageSize(request.pageSize, 20, 100);
      const rows = await playlists.list({ ownerId: request.ownerId, everything, ...(after ? { after } : {}), limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        playlists: page.map(toPlaylist),
        nextPageToken: rows.length > limit && last ? encodePageToken({ scope, key: [last.createTime.toISOString(), last.id] }) : "",
      };
    },

    async updatePlaylist(request, context) {
      const input = request.playlist!;
      if (!isUuid(input.id)) throw invalidArgument("playlist.id: must be a UUID");
      const fields = parseUpdateMask(request.updateMask?.paths ?? [], UPDATABLE);
      await owned(input.id, context);
      const changes: PlaylistChanges = {};
      if (fields.has("title")) changes.title = checkText("playlist.title", input.title, 1, 150);
      if (fields.has("description")) changes.description = checkText("playlist.description", input.description, 0, 5000);
      if (fields.has("visibility")) changes.visibility = checkVisibility("playlist.visibility", input.visibility);
      const playlist = await playlists.update(input.id, changes);
      if (!playlist) throw notFound("playlist not found");
      return { playlist: toPlaylist(playlist) };
    },

    async deletePlaylist(request, context) {
      await owned(request.playlistId, context);
      await playlists.delete(request.playlistId);
      return {};
    },

    async addPlaylistItem(request, context) {
      const { userId } = await owned(request.playlistId, context);
      readableVideo(await videos.get(request.videoId), userId);
      const item = await playlists.addItem(request.playlistId, request.videoId, request.position);
      return { item: toPlaylistItem(item) };
    },

    async removePlaylistItem(request, context) {
      await owned(request.playlistId, context);
      await playlists.removeItem(request.playlistId, request.itemId);
      return {};
    },

    async movePlaylistItem(request, context) {
      await owned(request.playlistId, context);
      return { item: toPlaylistItem(await playlists.moveItem(request.playlistId, request.itemId, request.newPosition)) };
    },

    async listPlaylistItems(request, context) {
      const { playlist, caller } = await readable(request.playlistId, context);
      const scope = `items:${playlist.id}`;
      const after = decodePageToken(request.pageToken, scope, ["number"]);
      const limit = pageSize(request.pageSize, 50, 200);
      const rows = await playlists.listItems(playlist.id, after ? (after[0] as number) : -1, limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.filter((item) => item.video && canReadVideo(item.video, caller?.userId)).map(toPlaylistItem),
        nextPageToken: rows.length > limit && last ? encodePageToken({ scope, key: [last.position] }) : "",
      };
    },
  };
}
