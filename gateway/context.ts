import { createContextKey } from "@connectrpc/connect";

/** The client's network address, as the gateway saw it. */
export const CLIENT_ADDRESS = createContextKey<string>("", { description: "client address" });
