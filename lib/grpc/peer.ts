import { createContextKey, type HandlerContext } from "@connectrpc/connect";

/**
 * The transport peer of a call as grpc-js reports it ("127.0.0.1:51234",
 * "[::1]:51234"), set by createGrpcServer on every HandlerContext.
 */
export const peerAddressKey = createContextKey<string | undefined>(undefined, { description: "gRPC peer address" });

/** The peer's IP address (no port), or undefined when unknown. */
export function peerAddress(context: Pick<HandlerContext, "values">): string | undefined {
  const peer = context.values.get(peerAddressKey);
  if (!peer) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(peer);
  if (bracketed) return bracketed[1];
  const hostPort = /^([^:]+):\d+$/.exec(peer);
  if (hostPort) return hostPort[1];
  return peer.replace(/^(ipv4|ipv6):/, "");
}
