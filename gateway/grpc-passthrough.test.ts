import { randomUUID } from "node:crypto";
import { connect as connectHttp2, createServer as createHttp2Server, constants as http2, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { createServer } from "node:net";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { EchoService } from "../gen/xtream/echo/v1/echo_service_pb.js";
import { createLogger } from "../lib/logger.ts";
import { codeOf, freePort, stackEnv } from "../lib/testing/index.ts";
import { startGateway, type RunningGateway } from "./runtime.ts";

// The gRPC fast path's own answers (the forwarding itself is covered by gateway.test.ts's
// "gRPC over h2c" cases, which now take this path).
const logger = createLogger("grpc-passthrough-test", "silent");
const gateways: RunningGateway[] = [];
afterAll(() => Promise.all(gateways.map((g) => g.stop(200))));


async function gatewayFor(address: string, limit?: number): Promise<string> {
  const rateLimit = limit ? { redisUrl: stackEnv().redisUrl, perAddress: limit, perAccount: 1000, windowSeconds: 60, keyPrefix: `ratelimit:test:${randomUUID()}` } : undefined;
  const gateway = await startGateway({ port: 0, backends: [{ service: EchoService, address }], logger, ...(rateLimit ? { rateLimit } : {}) });
  gateways.push(gateway);
  return gateway.url;
}

describe("the gateway's gRPC pass-through", () => {
  it("answers UNAVAILABLE, not a hang, when the service is down", async () => {
    const url = await gatewayFor(`127.0.0.1:${await freePort()}`);
    const client = createClient(EchoService, createGrpcTransport({ baseUrl: url }));
    expect(await codeOf(client.echo({ message: "x" }, { timeoutMs: 5000 }))).toBe(Code.Unavailable);
  });

  it("outlives a caller that resets its stream with an error mid-call", async () => {
    // A "service" that accepts connections and never answers, so the gateway is mid-call when the reset comes.
    const silent = createServer((socket) => socket.on("error", () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const url = await gatewayFor(`127.0.0.1:${(silent.address() as { port: number }).port}`);
    // A raw h2 client: send the call's headers, then RST_STREAM with INTERNAL_ERROR, a few times over.
    const session = connectHttp2(url);
    for (let i = 0; i < 5; i++) {
      const stream = session.request({ ":method": "POST", ":path": "/xtream.echo.v1.EchoService/Echo", "content-type": "application/grpc", te: "trailers" }, { endStream: false });
      stream.on("error", () => undefined);
      stream.write(Buffer.from([0, 0, 0, 0, 2, 10, 0]));
      await new Promise((resolve) => setTimeout(resolve, 20));
      stream.close(http2.NGHTTP2_INTERNAL_ERROR);
    }
    session.close();
    // Still serving (an unhandled stream 'error' would have crashed this process and failed the run).
    const client = createClient(EchoService, createGrpcTransport({ baseUrl: url }));
    expect(await codeOf(client.echo({ message: "x" }, { timeoutMs: 1000 }))).toBe(Code.DeadlineExceeded);
    silent.close();
  });

  it("applies the rate limit to gRPC calls as to Connect ones, before forwarding", async () => {
    const url = await gatewayFor(`127.0.0.1:${await freePort()}`, 1);
    const grpc = createClient(EchoService, createGrpcTransport({ baseUrl: url }));
    const connect = createClient(EchoService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    // The first call is allowed (and finds the service down); both protocols are then refused.
    expect(await codeOf(grpc.echo({ message: "x" }))).toBe(Code.Unavailable);
    expect(await codeOf(grpc.echo({ message: "x" }))).toBe(Code.ResourceExhausted);
    expect(await codeOf(connect.echo({ message: "x" }))).toBe(Code.ResourceExhausted);
  });

  it("passes the caller's trace context on, so the service's span joins the caller's trace", async () => {
    // A "service" that notes the headers it got and answers NOT_FOUND (Trailers-Only).
    const seen: IncomingHttpHeaders[] = [];
    const service = createHttp2Server();
    service.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      seen.push(headers);
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": String(Code.NotFound), "grpc-message": "no" }, { endStream: true });
    });
    await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => void service.close());
    const url = await gatewayFor(`127.0.0.1:${(service.address() as { port: number }).port}`);
    const client = createClient(EchoService, createGrpcTransport({ baseUrl: url }));
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const headers = { traceparent, tracestate: "vendor=1", "x-request-id": "req-1" };
    expect(await codeOf(client.echo({ message: "x" }, { headers }))).toBe(Code.NotFound);
    expect(seen[0]).toMatchObject(headers);
  });
});
