import type { ServiceImpl } from "@connectrpc/connect";
import { optionalCaller, requireCaller } from "../../../lib/auth/index.ts";
import type { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { toChannel } from "./convert.ts";
import type { CatalogDeps } from "./deps.ts";

/** ChannelService: protobuf requests to the channel use cases (domain/channels.ts) and back. */
export function createChannelHandlers(deps: CatalogDeps): Partial<ServiceImpl<typeof ChannelService>> {
  const { channels, verifier } = deps;
  return {
    async createChannel(request, context) {
      const caller = await requireCaller(context, verifier);
      return { channel: toChannel(await channels.create(caller.userId, request)) };
    },

    async getChannel(request, context) {
      // Reads are public, but a token that is sent must be valid.
      await optionalCaller(context, verifier);
      const lookup = request.lookup.case === "channelId" ? { id: request.lookup.value } : { handle: request.lookup.value ?? "" };
      return { channel: toChannel(await channels.get(lookup)) };
    },

    async listChannels(request, context) {
      await optionalCaller(context, verifier);
      const page = await channels.list(request.ownerId, request);
      return { channels: page.items.map(toChannel), nextPageToken: page.nextPageToken };
    },

    async updateChannel(request, context) {
      const caller = await requireCaller(context, verifier);
      const input = request.channel!;
      return { channel: toChannel(await channels.update(caller.userId, input.id, input, request.updateMask?.paths ?? [])) };
    },

    async deleteChannel(request, context) {
      const caller = await requireCaller(context, verifier);
      await channels.delete(caller.userId, request.channelId);
      return {};
    },
  };
}
