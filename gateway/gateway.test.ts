import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "../gen/xtream/echo/v1/echo_service_pb.js";
import { createGrpcServer, registerService, type GrpcServer } from "../lib/grpc/index.ts";
import { createLogger } from "../lib/logger.ts";
import { createEchoService, createTestTokens, stackEnv } from "../lib/testing/index.ts";
import { startGateway, type RunningGateway } from "./runtime.ts";

const logger = createLogger("gateway-test", "silent");
let backend: GrpcServer;
let gateway: RunningGateway;
let limitedGateway: RunningGateway;
let baseUrl: string;
let limitedUrl: string;
let tokens: Awaited<ReturnType<typeof createTestTokens>>;

beforeAll(async () => {
  tokens = await createTestTokens();
  backend = createGrpcServer({ services: [registerService(EchoService, createEchoService())], logger });
  const backendPort = await backend.listen("127.0.0.1", 0);
  const backends = [{ service: EchoService, address: `127.0.0.1:${backendPort}` }];
  gateway = await startGateway({ port: 0, backends, logger, verifier: tokens.verifier, corsOrigins: ["https://app.example"] });
  baseUrl = gateway.url;
  limitedGateway = await startGateway({
    port: 0,
    backends,
    logger,
    rateLimit: { redisUrl: stackEnv().redisUrl, perAddress: 3, perAccount: 1000, windowSeconds: 60, keyPrefix: `ratelimit:test:${randomUUID()}` },
  });
  limitedUrl = limitedGateway.url;
  // Its own key prefix: other gateways on this Redis (./dev.sh up, benches) share the default one.
});

afterAll(async () => {
  await gateway.stop(500);
  await limitedGateway.stop(500);
  await backend.shutdown(1000);
});

const protocols: [string, (url: string) => Transport][] = [
  ["Connect over HTTP/1.1", (url) => createConnectTransport({ baseUrl: url, httpVersion: "1.1" })],
  ["gRPC-Web over HTTP/1.1", (url) => createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" })],
  ["gRPC over h2c", (url) => createGrpcTransport({ baseUrl: url })],
  // Over h2c, Connect and gRPC-Web go through the request objects dual-protocol.ts makes itself.
  ["Connect over h2c", (url) => createConnectTransport({ baseUrl: url, httpVersion: "2" })],
  ["gRPC-Web over h2c", (url) => createGrpcWebTransport({ baseUrl: url, httpVersion: "2" })],
];

describe.each(protocols)("the gateway speaks %s", (_name, makeTransport) => {
  it("forwards unary calls", async () => {
    const client = createClient(EchoService, makeTransport(baseUrl));
    await expect(client.echo({ message: "through the gateway" })).resolves.toMatchObject({ message: "through the gateway" });
  });

  it("forwards server streams", async () => {
    const client = createClient(EchoService, makeTransport(baseUrl));
    const indexes: number[] = [];
    for await (const response of client.echoServerStream({ message: "x", repeat: 3 })) indexes.push(response.index);
    expect(indexes).toEqual([0, 1, 2]);
  });

  it("passes the service's INVALID_ARGUMENT through with the field name", async () => {
    const client = createClient(EchoService, makeTransport(baseUrl));
    const error = ConnectError.from(await client.echo({ message: "x", delayMs: -1 }).catch((err: unknown) => err));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toMatch(/delay_ms/);
  });

  it("passes the caller's deadline on", async () => {
    const client = createClient(EchoService, makeTransport(baseUrl));
    const error = ConnectError.from(await client.echo({ message: "slow", delayMs: 3000 }, { timeoutMs: 200 }).catch((err: unknown) => err));
    expect(error.code).toBe(Code.DeadlineExceeded);
  });

  it("refuses an invalid token before it reaches a service", async () => {
    const client = createClient(EchoService, makeTransport(baseUrl));
    const error = ConnectError.from(await client.echo({ message: "x" }, { headers: { authorization: "Bearer not-a-token" } }).catch((err: unknown) => err));
    expect(error.code).toBe(Code.Unauthenticated);
  });

  it("lets a valid token through", async () => {
    const client = createClient(EchoService, makeTransport(baseUrl));
    const token = await tokens.tokenFor({ userId: "00000000-0000-4000-8000-000000000001", handle: "ada" });
    await expect(client.echo({ message: "ok" }, { headers: { authorization: `Bearer ${token}` } })).resolves.toMatchObject({ message: "ok" });
  });
});

describe("the gateway over gRPC", () => {
  it("forwards client and bidi streams", async () => {
    const client = createClient(EchoService, createGrpcTransport({ baseUrl }));
    async function* parts() {
      yield { message: "a" };
      yield { message: "b" };
    }
    await expect(client.echoClientStream(parts())).resolves.toMatchObject({ message: "a b", count: 2 });
    const answers: string[] = [];
    for await (const response of client.echoBidiStream(parts())) answers.push(response.message);
    expect(answers).toEqual(["a", "b"]);
  });
});

describe("edge policies", () => {
  it("answers CORS preflight for allowed origins only", async () => {
    const allowed = await fetch(`${baseUrl}/xtream.echo.v1.EchoService/Echo`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await fetch(`${baseUrl}/xtream.echo.v1.EchoService/Echo`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/json" },
      body: JSON.stringify({ message: "x" }),
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("rate-limits a client with RESOURCE_EXHAUSTED once over the limit (counters in Redis)", async () => {
    const client = createClient(EchoService, createConnectTransport({ baseUrl: limitedUrl, httpVersion: "1.1" }));
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await client.echo({ message: "x" }).then(() => "ok", (err: unknown) => ConnectError.from(err).code));
    expect(results).toEqual(["ok", "ok", "ok", Code.ResourceExhausted, Code.ResourceExhausted]);
  });
});
