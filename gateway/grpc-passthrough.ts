import * as http2 from "node:http2";
import * as net from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ClientAddressOf } from "./client-address.ts";

const { HTTP2_HEADER_STATUS, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, NGHTTP2_CANCEL } = http2.constants;

/**
 * Request headers passed on to the service (as the Connect path does: proxy.ts), plus gRPC's own
 * and the caller's trace context: the pass-through makes no span of its own, so the service's
 * span continues the caller's trace directly.
 */
const FORWARDED = ["authorization", "x-request-id", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "traceparent", "tracestate"];
/** Response headers and trailers that describe the connection, not the call: never copied. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "date"]);

export interface GrpcPassthroughOptions {
  /** "/package.Service/" → internal address, for the services whose calls may pass through untouched. */
  routes: Map<string, string>;
  /** Full paths ("/package.Service/Method") never passed through, though their service is (left to the caller). */
  excluded?: ReadonlySet<string>;
  /** The gateway's edge checks (rate limit, token); resolves to an error to answer instead of forwarding. */
  check: (headers: http2.IncomingHttpHeaders, clientAddress: string) => Promise<ConnectError | undefined> | ConnectError | undefined;
  /** The caller's address from the TCP peer and X-Forwarded-For (see client-address.ts); default the peer. */
  clientAddressOf?: ClientAddressOf;
}

/** Forwards gRPC calls over HTTP/2 to their services without decoding them. */
export interface GrpcPassthrough {
  /** Takes the stream when it is a gRPC call for a pass-through route; false leaves it to the caller. */
  handle(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): boolean;
  close(): void;
}

/**
 * The gateway's fast path for gRPC clients (ghz, grpcurl, services in other
 * languages): a call whose protocol is already gRPC needs no translation, so
 * its frames go to the owning service as they are, over one pooled HTTP/2
 * session per service, and the answer (headers, messages, trailers) comes
 * back the same way. The gateway's checks still run first (rate limit, token),
 * and the same request headers go along as on the Connect path (authorization,
 * x-request-id, x-forwarded-for, plus the deadline, compression and the W3C
 * trace context). Input is
 * validated by the service (protovalidate), as on every path. Decoding and
 * re-encoding each message through connect-es would cost several times the
 * gateway's CPU per call; `./dev.sh bench gateway` measures both paths.
 */
export function createGrpcPassthrough(options: GrpcPassthroughOptions): GrpcPassthrough {
  const sessions = new Map<string, http2.ClientHttp2Session>();
  const session = (address: string) => {
    let current = sessions.get(address);
    if (!current || current.closed || current.destroyed) {
      const [host, port] = splitAddress(address);
      current = http2.connect(`http://${address}`, {
        settings: { initialWindowSize: 4 * 1024 * 1024 },
        // Small frames must not wait for Nagle (the gateway's own sockets do the same).
        createConnection: () => net.connect({ host, port, noDelay: true }),
      });
      const created = current;
      created.on("error", () => sessions.get(address) === created && sessions.delete(address));
      created.on("close", () => sessions.get(address) === created && sessions.delete(address));
      created.unref();
      sessions.set(address, created);
    }
    return current;
  };

  const prefixOf = (path: string) => path.slice(0, path.indexOf("/", 1) + 1);
  // session.socket is a guarding proxy, slow to read on every call: one lookup per connection.
  const addressOf: ClientAddressOf = options.clientAddressOf ?? ((peer) => peer ?? "");
  const addresses = new WeakMap<http2.Http2Session, string>();
  const clientAddressOf = (session: http2.Http2Session | undefined) => {
    if (!session) return "";
    let address = addresses.get(session);
    if (address === undefined) {
      address = session.socket.remoteAddress ?? "";
      addresses.set(session, address);
    }
    return address;
  };

  return {
    handle(inbound, headers) {
      const contentType = headers[HTTP2_HEADER_CONTENT_TYPE];
      const path = headers[HTTP2_HEADER_PATH];
      if (headers[HTTP2_HEADER_METHOD] !== "POST" || typeof contentType !== "string" || !isGrpc(contentType) || typeof path !== "string") return false;
      const address = options.routes.get(prefixOf(path));
      if (!address || options.excluded?.has(path)) return false;
      const clientAddress = addressOf(clientAddressOf(inbound.session), headers["x-forwarded-for"]);
      const checked = options.check(headers, clientAddress);
      if (checked instanceof Promise) {
        inbound.pause();
        checked.then(
          (refused) => (refused ? answerError(inbound, refused) : forward(inbound, headers, path, contentType, address, clientAddress)),
          () => answerError(inbound, new ConnectError("internal error", Code.Internal)),
        );
      } else if (checked) answerError(inbound, checked);
      else forward(inbound, headers, path, contentType, address, clientAddress);
      return true;
    },
    close() {
      for (const s of sessions.values()) s.close();
      sessions.clear();
    },
  };

  function forward(inbound: http2.ServerHttp2Stream, incoming: http2.IncomingHttpHeaders, path: string, contentType: string, address: string, clientAddress: string) {
    const headers: http2.OutgoingHttpHeaders = {
      ":method": "POST",
      ":path": path,
      ":authority": address,
      "content-type": contentType,
      te: "trailers",
      "x-forwarded-for": clientAddress,
    };
    for (const name of FORWARDED) {
      const value = incoming[name];
      if (value !== undefined) headers[name] = value;
    }
    let outbound: http2.ClientHttp2Stream;
    try {
      outbound = session(address).request(headers);
    } catch {
      answerError(inbound, new ConnectError("service unavailable", Code.Unavailable));
      return;
    }
    let trailers: http2.OutgoingHttpHeaders = {};
    let responded = false;
    outbound.on("response", (answer) => {
      if (inbound.destroyed) return;
      responded = true;
      const out = copyHeaders(answer);
      out[HTTP2_HEADER_STATUS] = answer[HTTP2_HEADER_STATUS];
      if (outbound.endAfterHeaders) {
        // Trailers-Only (an error without messages): one HEADERS frame that ends the stream.
        inbound.respond(out, { endStream: true });
        return;
      }
      inbound.respond(out, { waitForTrailers: true });
      inbound.once("wantTrailers", () => inbound.sendTrailers(trailers));
      relay(outbound, inbound, false);
      outbound.once("end", () => inbound.end());
    });
    outbound.on("trailers", (answer) => (trailers = copyHeaders(answer)));
    outbound.on("error", () => {
      if (!responded) answerError(inbound, new ConnectError("service unavailable", Code.Unavailable));
      else if (!inbound.destroyed) inbound.close(NGHTTP2_CANCEL);
    });
    // The caller went away (cancelled, deadline, reset): so does the call to the service.
    inbound.once("close", () => {
      if (!outbound.closed) outbound.close(NGHTTP2_CANCEL);
    });
    relay(inbound, outbound, true);
    inbound.resume();
  }
}

/** from → to with backpressure; lighter than pipe() (a handful of listeners instead of a dozen per call). */
function relay(from: http2.Http2Stream, to: http2.Http2Stream, end: boolean) {
  from.on("data", (chunk: Buffer) => {
    if (!to.write(chunk)) {
      from.pause();
      to.once("drain", () => from.resume());
    }
  });
  if (end) from.once("end", () => to.end());
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(":");
  return [address.slice(0, colon).replace(/^\[|\]$/g, ""), Number(address.slice(colon + 1))];
}

function isGrpc(contentType: string): boolean {
  return contentType === "application/grpc" || contentType.startsWith("application/grpc+") || contentType.startsWith("application/grpc;");
}

function copyHeaders(from: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const name of Object.keys(from)) if (name[0] !== ":" && !HOP_BY_HOP.has(name)) out[name] = from[name];
  return out;
}

/** A Trailers-Only gRPC error answer. */
function answerError(stream: http2.ServerHttp2Stream, error: ConnectError) {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc", "grpc-status": String(error.code), "grpc-message": encodeURIComponent(error.rawMessage) }, { endStream: true });
  stream.resume();
}
