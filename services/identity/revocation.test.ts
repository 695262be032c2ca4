import { setTimeout as sleep } from "node:timers/promises";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { JSONWebKeySet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "../../gen/xtream/echo/v1/echo_service_pb.js";
import { createRevocationList, createTokenVerifier, revocationsFromIdentity, type TokenVerifier } from "../../lib/auth/index.ts";
import { createGrpcServer, registerService, type GrpcServer } from "../../lib/grpc/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { codeOf, createEchoService } from "../../lib/testing/index.ts";
import { createGateway, type Gateway } from "../../gateway/server.ts";
import { createIdentityHarness, newAccount, withToken, type IdentityHarness, type RunningIdentity } from "./testing.ts";

// Logout and password change revoke outstanding access tokens within
// seconds, wherever tokens are verified: a service's verifier (lib/auth),
// the gateway, and identity itself. Real identity server and PostgreSQL.
let harness: IdentityHarness;
let identity: RunningIdentity;
let verifier: TokenVerifier;
let backend: GrpcServer;
let gateway: Gateway;
let gatewayUrl: string;

beforeAll(async () => {
  harness = await createIdentityHarness();
  identity = await harness.start();
  const loadJwks = async () => JSON.parse((await identity.client.getJwks({})).jwksJson) as JSONWebKeySet;
  verifier = createTokenVerifier({ loadJwks, revocations: createRevocationList({ load: revocationsFromIdentity(identity.address), intervalMs: 500 }) });
  const logger = createLogger("revocation-test", "silent");
  backend = createGrpcServer({ services: [registerService(EchoService, createEchoService())], logger });
  const backendPort = await backend.listen("127.0.0.1", 0);
  gateway = createGateway({ backends: [{ service: EchoService, address: `127.0.0.1:${backendPort}` }], logger, verifier, corsOrigins: [] });
  gatewayUrl = `http://127.0.0.1:${await gateway.listen("127.0.0.1", 0)}`;
});
afterAll(async () => {
  await gateway?.close(500);
  await backend?.shutdown(1000);
  await harness?.close();
});

const echoVia = (accessToken: string) =>
  createClient(EchoService, createConnectTransport({ baseUrl: gatewayUrl, httpVersion: "1.1" })).echo({ message: "x" }, withToken(accessToken));

/** Waits until the verifier refuses the token; returns how long that took. */
async function refusedWithin(token: string, ms: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const refused = await verifier.verify(token).then(
      () => false,
      () => true,
    );
    if (refused) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error("the token was still accepted");
    await sleep(50);
  }
}

describe("revoking access tokens", () => {
  it("Logout: the session's access token is refused within seconds by verifiers, the gateway and identity; another session's is not", async () => {
    const account = newAccount("rev");
    const { session } = await identity.client.register(account);
    const other = (await identity.client.login({ email: account.email, password: account.password })).session!;
    await expect(verifier.verify(session!.accessToken)).resolves.toBeDefined();
    await expect(echoVia(session!.accessToken)).resolves.toBeDefined();

    await identity.client.logout({ refreshToken: session!.refreshToken });
    expect(await refusedWithin(session!.accessToken, 5000)).toBeLessThan(5000);
    expect(await codeOf(echoVia(session!.accessToken))).toBe(Code.Unauthenticated);
    // Identity's own verifier polls its database on the same schedule (2 s).
    const deadline = Date.now() + 5000;
    while ((await codeOf(identity.client.getProfile({}, withToken(session!.accessToken)))) !== Code.Unauthenticated) {
      if (Date.now() > deadline) throw new Error("identity still accepts the token");
      await sleep(100);
    }
    await expect(verifier.verify(other.accessToken)).resolves.toBeDefined();
    await expect(echoVia(other.accessToken)).resolves.toBeDefined();
  });

  it("ChangePassword: every earlier session's access token is refused; the new session's works", async () => {
    const account = newAccount("rev");
    const { session } = await identity.client.register(account);
    const other = (await identity.client.login({ email: account.email, password: account.password })).session!;
    const changed = (await identity.client.changePassword({ currentPassword: account.password, newPassword: `${account.password}-new` }, withToken(session!.accessToken))).session!;
    await refusedWithin(session!.accessToken, 5000);
    await refusedWithin(other.accessToken, 5000);
    await expect(verifier.verify(changed.accessToken)).resolves.toBeDefined();
    expect(await codeOf(echoVia(other.accessToken))).toBe(Code.Unauthenticated);
  });

  it("a refreshed session keeps working: its new access tokens carry the same session and are not revoked", async () => {
    const { session } = await identity.client.register(newAccount("rev"));
    const refreshed = (await identity.client.refresh({ refreshToken: session!.refreshToken })).session!;
    await sleep(1200);
    await expect(verifier.verify(refreshed.accessToken)).resolves.toBeDefined();
    await expect(verifier.verify(session!.accessToken)).resolves.toBeDefined();
  });
});
