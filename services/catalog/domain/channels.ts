import { invalidArgument, notFound } from "../../../lib/errors.ts";
import { requireOwner } from "./access.ts";
import { parseUpdateMask } from "./field-mask.ts";
import type { ChannelRecord } from "./model.ts";
import { decodePageToken, isUuid, pageSize, toPage, type Page, type PageRequest } from "./page-token.ts";
import type { ChannelChanges, ChannelStore } from "./ports.ts";
import { checkHandle, checkText } from "./validation.ts";
import type { VideoCache } from "./video-cache.ts";

const UPDATABLE = ["handle", "title", "description"] as const;

/** A channel's fields as a create or update carries them; an update's `paths` say which apply. */
export interface ChannelFields {
  handle: string;
  title: string;
  description: string;
}

/** The channel use cases: anyone may read channels; only the owner may change or delete one. */
export interface Channels {
  create(callerId: string, input: ChannelFields): Promise<ChannelRecord>;
  get(lookup: { id: string } | { handle: string }): Promise<ChannelRecord>;
  /** Newest first; every owner's when ownerId is "". */
  list(ownerId: string, page: PageRequest): Promise<Page<ChannelRecord>>;
  update(callerId: string, id: string, fields: ChannelFields, paths: readonly string[]): Promise<ChannelRecord>;
  /** Deletes the channel and its videos (each announced by video.deleted). */
  delete(callerId: string, id: string): Promise<void>;
}

/** Creates the channel use cases. */
export function createChannels(options: { channels: ChannelStore; cache: Pick<VideoCache<unknown>, "evict"> }): Channels {
  const { channels, cache } = options;
  return {
    create: (callerId, input) => channels.create({ ownerId: callerId, handle: input.handle, title: input.title, description: input.description }),

    async get(lookup) {
      const channel = "id" in lookup ? await channels.get(lookup.id) : await channels.getByHandle(lookup.handle);
      if (!channel) throw notFound("channel not found");
      return channel;
    },

    async list(ownerId, page) {
      const scope = `channels:${ownerId}`;
      const after = decodePageToken(page.pageToken, scope, ["time", "uuid"]) as [string, string] | undefined;
      const limit = pageSize(page.pageSize, 20, 100);
      const rows = await channels.list({ ...(ownerId ? { ownerId } : {}), ...(after ? { after } : {}), limit: limit + 1 });
      return toPage(rows, limit, scope, (last) => [last.createTime.toISOString(), last.id]);
    },

    async update(callerId, id, fields, paths) {
      if (!isUuid(id)) throw invalidArgument("channel.id: must be a UUID");
      const mask = parseUpdateMask(paths, UPDATABLE);
      requireOwner(await channels.get(id), callerId, "channel");
      const changes: ChannelChanges = {};
      if (mask.has("handle")) changes.handle = checkHandle("channel.handle", fields.handle);
      if (mask.has("title")) changes.title = checkText("channel.title", fields.title, 1, 100);
      if (mask.has("description")) changes.description = checkText("channel.description", fields.description, 0, 5000);
      return channels.update(id, changes);
    },

    async delete(callerId, id) {
      requireOwner(await channels.get(id), callerId, "channel");
      for (const videoId of await channels.delete(id)) cache.evict(videoId);
    },
  };
}
