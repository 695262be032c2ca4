import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { EchoService } from "../gen/xtream/echo/v1/echo_service_pb.js";
import { createLogger } from "../lib/logger.ts";
import { freePort, stackEnv } from "../lib/testing/index.ts";
import { startGateway, type RunningGateway } from "./runtime.ts";

// Per-address limits behind a proxy: each person behind a trusted Ingress gets
// their own limit; a client that is not a trusted proxy cannot choose its address.
const logger = createLogger("forwarded-for-test", "silent");
const gateways: RunningGateway[] = [];
afterAll(() => Promise.all(gateways.map((g) => g.stop(200))));


/** A gateway allowing one call per address; the backend is down, so an allowed call answers UNAVAILABLE. */
async function gatewayTrusting(trusted: string[]): Promise<(forwardedFor: string) => Promise<string>> {
  const gateway = await startGateway({
    port: 0,
    backends: [{ service: EchoService, address: `127.0.0.1:${await freePort()}` }],
    logger,
    rateLimit: { redisUrl: stackEnv().redisUrl, perAddress: 1, perAccount: 1000, windowSeconds: 60, keyPrefix: `ratelimit:test:${randomUUID()}` },
    trustedProxies: trusted,
  });
  gateways.push(gateway);
  const url = `${gateway.url}/${EchoService.typeName}/Echo`;
  return async (forwardedFor) => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor }, body: "{}" });
    return ((await response.json()) as { code: string }).code;
  };
}

describe("rate limits per client address", () => {
  it("behind a trusted proxy, count each forwarded client on its own", async () => {
    const call = await gatewayTrusting(["127.0.0.1"]);
    expect(await call("203.0.113.7")).toBe("unavailable");
    expect(await call("203.0.113.7")).toBe("resource_exhausted");
    expect(await call("203.0.113.8")).toBe("unavailable");
  });

  it("without one, ignore X-Forwarded-For: a client cannot dodge its limit by naming another address", async () => {
    const call = await gatewayTrusting([]);
    expect(await call("203.0.113.7")).toBe("unavailable");
    expect(await call("203.0.113.8")).toBe("resource_exhausted");
  });
});
