import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";

type Handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;
/** Takes an HTTP/2 stream before Node's request/response objects are made for it; false passes it on. */
export type StreamHandler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean;

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/**
 * One plaintext port for both HTTP/1.1 (browsers: Connect, gRPC-Web) and h2c
 * (gRPC). Node's allowHTTP1 only works with TLS, so we read the first bytes of
 * each connection: the HTTP/2 client preface goes to the http2 server, the
 * rest to the HTTP/1.1 server.
 */
export function createDualProtocolServer(handler: Handler, streamHandler?: StreamHandler, limits: DualProtocolLimits = {}): DualProtocolServer {
  const h1 = http.createServer({ headersTimeout: limits.headersTimeoutMs ?? 20_000, connectionsCheckingInterval: limits.checkIntervalMs ?? 5_000 }, handler);
  h1.keepAliveTimeout = 65_000;
  // No request listener: Node would then make compatibility objects for every
  // stream. Streams the stream handler does not take get them here, as Node
  // would make them (CONNECT and Expect are not used by the gateway's clients).
  const h2 = http2.createServer({});
  // A broken session (bad frames, a peer gone mid-write) is destroyed by Node; nothing to add.
  h2.on("sessionError", () => undefined);
  h2.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    // A peer that resets its stream (RST_STREAM with an error code) makes the
    // stream emit 'error'; with no listener that is an uncaught exception that
    // takes the whole gateway down. The stream is closed either way, and the
    // handlers see it through 'close'.
    stream.on("error", () => undefined);
    if (streamHandler?.(stream, headers)) return;
    handler(new http2.Http2ServerRequest(stream, headers, {}, rawHeaders), new http2.Http2ServerResponse(stream));
  });
  const sockets = new Set<net.Socket>();

  // noDelay: without it Nagle holds back small gRPC frames (a unary answer's
  // trailers) behind unacknowledged data, adding latency to every call.
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.once("data", (first: Buffer) => {
      const length = Math.min(first.length, PREFACE.length);
      // Both servers take the native socket with the bytes read so far put back:
      // the HTTP/1.1 parser reads them through the JS stream, and the HTTP/2
      // session feeds a socket's buffered bytes to nghttp2 before reading the
      // handle itself (nodejs/node#35475). A JS stream in between would cost
      // every h2c frame a trip through JavaScript.
      socket.pause();
      socket.unshift(first);
      if (first.subarray(0, length).equals(PREFACE.subarray(0, length))) {
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    });
  });

  // node:http enforces headersTimeout and requestTimeout from a timer it
  // starts on 'listening', which h1 never hears (the outer server listens and
  // hands it connections): without this, a client trickling its headers
  // (slowloris) holds a connection forever.
  server.on("listening", () => h1.emit("listening"));
  server.on("close", () => h1.close());

  return {
    server,
    async close(graceMs = 5000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      h1.closeIdleConnections();
      const timer = setTimeout(() => sockets.forEach((socket) => socket.destroy()), graceMs);
      // Idle keep-alive connections would hold close() forever; in-flight calls get the grace period.
      for (const socket of sockets) if (!socket.readableFlowing) socket.destroy();
      await closed;
      clearTimeout(timer);
    },
  };
}

/** How long HTTP/1.1 clients may take; the defaults suit the gateway. */
export interface DualProtocolLimits {
  /** Time to send a request's headers (default 20 s). */
  headersTimeoutMs?: number;
  /** How often those limits are checked (default 5 s). */
  checkIntervalMs?: number;
}

/** The listening server and a graceful close that also ends kept-alive connections. */
export interface DualProtocolServer {
  readonly server: net.Server;
  close(graceMs?: number): Promise<void>;
}
