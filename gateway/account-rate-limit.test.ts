import { randomUUID } from "node:crypto";
import { Code, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "../gen/xtream/echo/v1/echo_service_pb.js";
import { createGrpcServer, registerService, type GrpcServer } from "../lib/grpc/index.ts";
import { createLogger } from "../lib/logger.ts";
import { codeOf, createEchoService, createTestTokens, failureOf, stackEnv } from "../lib/testing/index.ts";
import { startGateway, type RunningGateway } from "./runtime.ts";

// The gateway limits calls per signed-in account as well as per address
// (counters in the real Redis), on the Connect path and the gRPC pass-through.
const logger = createLogger("account-limit-test", "silent");
let backend: GrpcServer;
let gateway: RunningGateway;
let url: string;
let tokens: Awaited<ReturnType<typeof createTestTokens>>;

beforeAll(async () => {
  tokens = await createTestTokens();
  backend = createGrpcServer({ services: [registerService(EchoService, createEchoService())], logger });
  const port = await backend.listen("127.0.0.1", 0);
  gateway = await startGateway({
    port: 0,
    backends: [{ service: EchoService, address: `127.0.0.1:${port}` }],
    logger,
    verifier: tokens.verifier,
    rateLimit: { redisUrl: stackEnv().redisUrl, perAddress: 1000, perAccount: 3, windowSeconds: 60, keyPrefix: `ratelimit:test:${randomUUID()}` },
  });
  url = gateway.url;
});
afterAll(async () => {
  await gateway?.stop(500);
  await backend?.shutdown(500);
});

const bearer = async (userId: string) => ({ headers: { authorization: `Bearer ${await tokens.tokenFor({ userId, handle: "u" })}` } });

describe.each<[string, (base: string) => Transport]>([
  ["Connect", (base) => createConnectTransport({ baseUrl: base, httpVersion: "1.1" })],
  ["gRPC pass-through", (base) => createGrpcTransport({ baseUrl: base })],
])("per-account limit over %s", (_name, transport) => {
  it("refuses an account's calls over its limit with RESOURCE_EXHAUSTED; other accounts and anonymous calls go on", async () => {
    const client = createClient(EchoService, transport(url));
    const ada = await bearer(randomUUID());
    for (let i = 0; i < 3; i++) expect(await codeOf(client.echo({ message: "x" }, ada))).toBeUndefined();
    const refused = await failureOf(client.echo({ message: "x" }, ada));
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.rawMessage).toContain("account");
    expect(await codeOf(client.echo({ message: "x" }, await bearer(randomUUID())))).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(await codeOf(client.echo({ message: "x" }))).toBeUndefined();
  });
});
