import type { Channel } from "@gen/xtream/catalog/v1/resources_pb.js";
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/clients.js";

// Cards show the channel's name; many cards share a channel, so each is fetched once per page load.
const cache = new Map<string, Promise<Channel | null>>();

/** The channel with this id, fetched once and shared. */
export function getChannelCached(channelId: string): Promise<Channel | null> {
  let found = cache.get(channelId);
  if (!found) {
    found = api.channels.getChannel({ lookup: { case: "channelId", value: channelId } }).then(
      (r) => r.channel ?? null,
      () => null,
    );
    cache.set(channelId, found);
  }
  return found;
}

/** Seeds the cache with channels that came along with a page (ListFeed sends them). */
export function primeChannels(channels: Channel[]): void {
  for (const channel of channels) if (!cache.has(channel.id)) cache.set(channel.id, Promise.resolve(channel));
}

/** Forgets a cached channel after it changed. */
export function forgetChannel(channelId: string): void {
  cache.delete(channelId);
}

/** The channel for a card, or null while loading or when it is gone. */
export function useChannel(channelId: string): Channel | null {
  const [channel, setChannel] = useState<Channel | null>(null);
  useEffect(() => {
    let live = true;
    void getChannelCached(channelId).then((c) => live && setChannel(c));
    return () => {
      live = false;
    };
  }, [channelId]);
  return channel;
}
