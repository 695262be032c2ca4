import type { EventEmitter } from "node:events";
import type { ServerHttp2Session, Settings } from "node:http2";
import type * as grpc from "@grpc/grpc-js";

/**
 * The HTTP/2 receive windows a server grants its clients: how many bytes a
 * client may send before the server acknowledges them. Node's default is
 * 64 KiB for each stream and for the whole connection, so a client-streaming
 * upload stalls on a WINDOW_UPDATE round trip every 64 KiB, and those wait
 * for the server's event loop, busy with the previous chunk: bench pipeline
 * measured the Upload RPC at 0.83x a direct MinIO put with 64 KiB and 0.96x
 * with these (same run). Memory stays bounded: a stream buffers at most its
 * window plus one decoded message (REQUEST_READ_AHEAD).
 */
export const RECEIVE_WINDOW = { streamBytes: 4 * 1024 * 1024, connectionBytes: 16 * 1024 * 1024 };

/**
 * grpc-js (1.14) reads `grpc-node.flow_control_window` on clients only
 * (grpc/grpc-node#3058 would add it to servers), so until then the windows
 * are set through two of grpc.Server's own fields: the settings every new
 * HTTP/2 session advertises (per-stream window), and a hook on each bound
 * HTTP/2 server raising the connection window of every session. Both are
 * checked by receive-window.test.ts, which fails if an upgrade renames them.
 */
interface ServerInternals {
  commonServerOptions?: { settings?: Settings };
  http2Servers?: Map<EventEmitter, unknown>;
}

/** Before bindAsync: new sessions advertise the per-stream window. */
export function advertiseStreamWindow(server: grpc.Server, bytes = RECEIVE_WINDOW.streamBytes): void {
  const internals = server as unknown as ServerInternals;
  if (!internals.commonServerOptions) return;
  internals.commonServerOptions.settings = { ...internals.commonServerOptions.settings, initialWindowSize: bytes };
}

/** HTTP/2 servers already hooked (listen may run more than once per grpc.Server). */
const hooked = new WeakSet<EventEmitter>();

/** After bindAsync: every session of the bound HTTP/2 servers gets the connection window. */
export function raiseConnectionWindow(server: grpc.Server, bytes = RECEIVE_WINDOW.connectionBytes): void {
  for (const http2Server of (server as unknown as ServerInternals).http2Servers?.keys() ?? []) {
    if (hooked.has(http2Server)) continue;
    hooked.add(http2Server);
    http2Server.on("session", (session: ServerHttp2Session) => session.setLocalWindowSize(bytes));
  }
}
