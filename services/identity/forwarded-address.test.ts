import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/xtream/identity/v1/identity_service_pb.js";
import { SERVICE_KEY_HEADER } from "../../lib/auth/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { codeOf, TEST_SERVICE_KEY } from "../../lib/testing/index.ts";
import { platformBackends } from "../../gateway/routes.ts";
import { createGateway, type Gateway } from "../../gateway/server.ts";
import { createIdentityHarness, type IdentityHarness, type RunningIdentity } from "./testing.ts";

// Identity believes a forwarded client address only from the gateway (calls
// carrying its service credential); anyone else is counted by the peer, so a
// caller reaching identity directly cannot pick a fresh address per attempt.
let harness: IdentityHarness;
let identity: RunningIdentity;
let gateway: Gateway;
let gatewayUrl: string;

beforeAll(async () => {
  harness = await createIdentityHarness();
  identity = await harness.start({
    serviceKeys: [TEST_SERVICE_KEY],
    loginLimits: { perAccount: 1000, perAddress: 2, windowMs: 60_000, keyPrefix: `${harness.redisKeyPrefix}:fwd` },
  });
  const unused = "127.0.0.1:1";
  gateway = createGateway({
    backends: platformBackends({ identity: identity.address, catalog: unused, upload: unused, playback: unused }, TEST_SERVICE_KEY),
    logger: createLogger("forwarded-test", "silent"),
    corsOrigins: [],
    // As behind a trusted proxy: the client is whoever X-Forwarded-For names.
    clientAddressOf: (_peer, forwarded) => (typeof forwarded === "string" ? forwarded : "127.0.0.1"),
  });
  gatewayUrl = `http://127.0.0.1:${await gateway.listen("127.0.0.1", 0)}`;
});
afterAll(async () => {
  await gateway?.close(500);
  await harness?.close();
});

const attempt = (email: string, headers: Record<string, string>) => codeOf(identity.client.login({ email, password: "whatever-pw" }, { headers }));

describe("the client address identity counts login attempts by", () => {
  it("ignores x-forwarded-for without the gateway's credential (or with a wrong one): every attempt is the peer's", async () => {
    expect(await attempt("a@example.com", { "x-forwarded-for": "192.0.2.1" })).toBe(Code.Unauthenticated);
    expect(await attempt("b@example.com", { "x-forwarded-for": "192.0.2.2", [SERVICE_KEY_HEADER]: "y".repeat(64) })).toBe(Code.Unauthenticated);
    expect(await attempt("c@example.com", { "x-forwarded-for": "192.0.2.3" })).toBe(Code.ResourceExhausted);
  });

  it("believes it with the credential, as the gateway sends it", async () => {
    for (const address of ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) {
      expect(await attempt("d@example.com", { "x-forwarded-for": address, [SERVICE_KEY_HEADER]: TEST_SERVICE_KEY })).toBe(Code.Unauthenticated);
    }
  });

  it("through the real gateway: each client address gets its own bucket", async () => {
    const client = createClient(IdentityService, createConnectTransport({ baseUrl: gatewayUrl, httpVersion: "1.1" }));
    for (const address of ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]) {
      expect(await codeOf(client.login({ email: "e@example.com", password: "whatever-pw" }, { headers: { "x-forwarded-for": address } }))).toBe(Code.Unauthenticated);
    }
    for (let i = 0; i < 2; i++) await codeOf(client.login({ email: "f@example.com", password: "whatever-pw" }, { headers: { "x-forwarded-for": "203.0.113.9" } }));
    expect(await codeOf(client.login({ email: "f@example.com", password: "whatever-pw" }, { headers: { "x-forwarded-for": "203.0.113.9" } }))).toBe(Code.ResourceExhausted);
  });
});
