import type { ServiceImpl } from "@connectrpc/connect";
import { optionalCaller, requireCaller } from "../../../lib/auth/index.ts";
import type { PlaylistService } from "../../../gen/xtream/catalog/v1/playlist_service_pb.js";
import { toPlaylist, toPlaylistItem } from "./convert.ts";
import type { CatalogDeps } from "./deps.ts";

/** PlaylistService: protobuf requests to the playlist use cases (domain/playlists.ts) and back. */
export function createPlaylistHandlers(deps: CatalogDeps): Partial<ServiceImpl<typeof PlaylistService>> {
  const { playlists, verifier } = deps;
  const callerId = async (context: Parameters<typeof requireCaller>[0]) => (await requireCaller(context, verifier)).userId;
  const optionalCallerId = async (context: Parameters<typeof optionalCaller>[0]) => (await optionalCaller(context, verifier))?.userId;

  return {
    async createPlaylist(request, context) {
      return { playlist: toPlaylist(await playlists.create(await callerId(context), request)) };
    },

    async getPlaylist(request, context) {
      return { playlist: toPlaylist(await playlists.get(await optionalCallerId(context), request.playlistId)) };
    },

    async listPlaylists(request, context) {
      const page = await playlists.list(await optionalCallerId(context), request.ownerId, request);
      return { playlists: page.items.map(toPlaylist), nextPageToken: page.nextPageToken };
    },

    async updatePlaylist(request, context) {
      const input = request.playlist!;
      return { playlist: toPlaylist(await playlists.update(await callerId(context), input.id, input, request.updateMask?.paths ?? [])) };
    },

    async deletePlaylist(request, context) {
      await playlists.delete(await callerId(context), request.playlistId);
      return {};
    },

    async addPlaylistItem(request, context) {
      return { item: toPlaylistItem(await playlists.addItem(await callerId(context), request.playlistId, request.videoId, request.position)) };
    },

    async removePlaylistItem(request, context) {
      await playlists.removeItem(await callerId(context), request.playlistId, request.itemId);
      return {};
    },

    async movePlaylistItem(request, context) {
      return { item: toPlaylistItem(await playlists.moveItem(await callerId(context), request.playlistId, request.itemId, request.newPosition)) };
    },

    async listPlaylistItems(request, context) {
      const page = await playlists.listItems(await optionalCallerId(context), request.playlistId, request);
      return { items: page.items.map(toPlaylistItem), nextPageToken: page.nextPageToken };
    },
  };
}
