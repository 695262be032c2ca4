/** The demo channel: found among the demo user's channels by handle, or created. */
import type { Channel } from "../../gen/xtream/catalog/v1/resources_pb.js";
import type { SeedApi } from "./api.ts";

/** What the demo channel is called. */
export interface ChannelSpec {
  handle: string;
  title: string;
  description: string;
}

/** Returns the owner's channel with `spec.handle`, creating it when missing. */
export async function ensureChannel(api: SeedApi, ownerId: string, spec: ChannelSpec): Promise<{ channel: Channel; created: boolean }> {
  let pageToken = "";
  do {
    const page = await api.channels.listChannels({ ownerId, pageSize: 100, pageToken });
    const found = page.channels.find((channel) => channel.handle === spec.handle);
    if (found) return { channel: found, created: false };
    pageToken = page.nextPageToken;
  } while (pageToken);
  const { channel } = await api.channels.createChannel(spec);
  if (!channel) throw new Error("the catalog answered CreateChannel without a channel");
  return { channel, created: true };
}
