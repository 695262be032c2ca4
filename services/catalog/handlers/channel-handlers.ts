import type { ServiceImpl } from "@connectrpc/connect";
import { optionalCaller, requireCaller } from "../../../lib/auth/index.ts";
import { invalidArgument, notFound } from "../../../lib/errors.ts";
import type { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { requireOwner } from "../domain/access.ts";
import { parseUpdateMask } from "../domain/field-mask.ts";
import { decodePageToken, encodePageToken, isUuid, pageSize } from "../domain/page-token.ts";
import { checkHandle, checkText } from "../domain/validation.ts";
import type { ChannelChanges } from "../adapters/channel-store.ts";
import { toChannel } from "./convert.ts";
import type { CatalogDeps } from "./deps.ts";

const UPDATABLE = ["handle", "title", "description"] as const;

/** ChannelService: anyone may read channels; only the owner may change or delete one. */
export function createChannelHandlers(deps: CatalogDeps): Partial<ServiceImpl<typeof ChannelService>> {
  const { channels, verifier } = deps;
  return {
    async createChannel(request, context) {
      const caller = await requireCaller(context, verifier);
      const channel = await channels.create({ ownerId: caller.userId, handle: request.handle, title: request.title, description: request.description });
      return { channel: toChannel(channel) };
    },

    async getChannel(request, context) {
      await optionalCaller(context, verifier);
      const channel =
        request.lookup.case === "channelId" ? await channels.get(request.lookup.value) : await channels.getByHandle(request.lookup.value ?? "");
      if (!channel) throw notFound("channel not found");
      return { channel: toChannel(channel) };
    },

    async listChannels(request, context) {
      await optionalCaller(context, verifier);
      const scope = `channels:${request.ownerId}`;
      const after = decodePageToken(request.pageToken, scope, ["time", "uuid"]) as [string, string] | undefined;
      const limit = pageSize(request.pageSize, 20, 100);
      const rows = await channels.list({ ...(request.ownerId ? { ownerId: request.ownerId } : {}), ...(after ? { after } : {}), limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        channels: page.map(toChannel),
        nextPageToken: rows.length > limit && last ? encodePageToken({ scope, key: [last.createTime.toISOString(), last.id] }) : "",
      };
    },

    async updateChannel(request, context) {
      const caller = await requireCaller(context, verifier);
      const input = request.channel!;
      if (!isUuid(input.id)) throw invalidArgument("channel.id: must be a UUID");
      const fields = parseUpdateMask(request.updateMask?.paths ?? [], UPDATABLE);
      requireOwner(await channels.get(input.id), caller.userId, "channel");
      const changes: ChannelChanges = {};
      if (fields.has("handle")) changes.handle = checkHandle("channel.handle", input.handle);
      if (fields.has("title")) changes.title = checkText("channel.title", input.title, 1, 100);
      if (fields.has("description")) changes.description = checkText("channel.description", input.description, 0, 5000);
      return { channel: toChannel(await channels.update(input.id, changes)) };
    },

    async deleteChannel(request, context) {
      const caller = await requireCaller(context, verifier);
      requireOwner(await channels.get(request.channelId), caller.userId, "channel");
      const deleted = await channels.delete(request.channelId);
      for (const id of deleted) evict(deps, id);
      return {};
    },
  };
}

/** Drops a video from this process's GetVideo cache (other processes hear the NOTIFY). */
export function evict(deps: CatalogDeps, videoId: string): void {
  deps.cacheEpoch.value++;
  deps.videoCache.delete(videoId);
}
