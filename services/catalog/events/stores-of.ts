import type { Pool } from "../../../lib/db/index.ts";
import { createChannelStore } from "../adapters/channel-store.ts";
import { createVideoStore } from "../adapters/video-store.ts";

/** The stores the event consumer writes through, over a pool (this folder's tests build consumers of their own). */
export function storesOf(pool: Pool) {
  return { videos: createVideoStore({ pool }), channels: createChannelStore({ pool }) };
}
