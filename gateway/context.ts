import { createContextKey } from "@connectrpc/connect";

/** The client's network address, as the gateway saw it. */
export const CLIENT_ADDRESS = createContextKey<string>("", { description: "client address" });

/** True when the request reached the gateway over TLS (it decides the session cookie's Secure flag). */
export const REQUEST_OVER_TLS = createContextKey<boolean>(false, { description: "request over TLS" });
