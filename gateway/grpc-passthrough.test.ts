import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { EchoService } from "../gen/xtream/echo/v1/echo_service_pb.js";
import { createLogger } from "../lib/logger.ts";
import { stackEnv } from "../lib/testing/index.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { createGateway, type Gateway } from "./server.ts";

// The gRPC fast path's own answers (the forwarding itself is covered by gateway.test.ts's
// "gRPC over h2c" cases, which now take this path).
const logger = createLogger("grpc-passthrough-test", "silent");
const redis = new Redis(stackEnv().redisUrl);
const gateways: Gateway[] = [];
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close(200)));
  redis.disconnect();
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 1;
}

async function gatewayFor(address: string, limit?: number): Promise<string> {
  const rateLimiter = limit ? createRateLimiter({ redis, limit, windowSeconds: 60, logger, keyPrefix: `ratelimit:test:${randomUUID()}` }) : undefined;
  const gateway = createGateway({ backends: [{ service: EchoService, address }], logger, corsOrigins: [], rateLimiter });
  gateways.push(gateway);
  return `http://127.0.0.1:${await gateway.listen("127.0.0.1", 0)}`;
}

const codeOf = (promise: Promise<unknown>) => promise.then(() => "ok", (err: unknown) => ConnectError.from(err).code);

describe("the gateway's gRPC pass-through", () => {
  it("answers UNAVAILABLE, not a hang, when the service is down", async () => {
    const url = await gatewayFor(`127.0.0.1:${await closedPort()}`);
    const client = createClient(EchoService, createGrpcTransport({ baseUrl: url }));
    expect(await codeOf(client.echo({ message: "x" }, { timeoutMs: 5000 }))).toBe(Code.Unavailable);
  });

  it("applies the rate limit to gRPC calls as to Connect ones, before forwarding", async () => {
    const url = await gatewayFor(`127.0.0.1:${await closedPort()}`, 1);
    const grpc = createClient(EchoService, createGrpcTransport({ baseUrl: url }));
    const connect = createClient(EchoService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    // The first call is allowed (and finds the service down); both protocols are then refused.
    expect(await codeOf(grpc.echo({ message: "x" }))).toBe(Code.Unavailable);
    expect(await codeOf(grpc.echo({ message: "x" }))).toBe(Code.ResourceExhausted);
    expect(await codeOf(connect.echo({ message: "x" }))).toBe(Code.ResourceExhausted);
  });
});
