import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { Duplex } from "node:stream";

type Handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/**
 * One plaintext port for both HTTP/1.1 (browsers: Connect, gRPC-Web) and h2c
 * (gRPC). Node's allowHTTP1 only works with TLS, so we read the first bytes of
 * each connection: the HTTP/2 client preface goes to the http2 server, the
 * rest to the HTTP/1.1 server.
 */
export function createDualProtocolServer(handler: Handler): DualProtocolServer {
  const h1 = http.createServer(handler);
  h1.keepAliveTimeout = 65_000;
  const h2 = http2.createServer({}, handler);
  const sockets = new Set<net.Socket>();

  // noDelay: without it Nagle holds back small gRPC frames (a unary answer's
  // trailers) behind unacknowledged data, adding latency to every call.
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.once("data", (first: Buffer) => {
      const length = Math.min(first.length, PREFACE.length);
      if (first.subarray(0, length).equals(PREFACE.subarray(0, length))) {
        h2.emit("connection", replayingStream(socket, first));
      } else {
        // The HTTP/1.1 parser reads through the JS stream, so unshift is enough.
        socket.pause();
        socket.unshift(first);
        h1.emit("connection", socket);
        socket.resume();
      }
    });
  });

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

/** The listening server and a graceful close that also ends kept-alive connections. */
export interface DualProtocolServer {
  readonly server: net.Server;
  close(graceMs?: number): Promise<void>;
}

/**
 * A duplex over the socket that first replays the bytes we already read.
 * nghttp2 reads a native socket's handle directly (unshifted bytes would be
 * lost), whereas a plain Duplex is read through JS, replay included.
 */
function replayingStream(socket: net.Socket, first: Buffer): Duplex {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(err, callback) {
      socket.destroy(err ?? undefined);
      callback(err);
    },
  });
  Object.defineProperties(stream, {
    remoteAddress: { value: socket.remoteAddress },
    remotePort: { value: socket.remotePort },
  });
  stream.push(first);
  socket.on("data", (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on("end", () => stream.push(null));
  socket.on("close", () => stream.destroy());
  return stream;
}
