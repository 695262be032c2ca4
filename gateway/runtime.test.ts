import { afterAll, describe, expect, it } from "vitest";
import { EchoService } from "../gen/xtream/echo/v1/echo_service_pb.js";
import { createLogger } from "../lib/logger.ts";
import { freePort, portOpen } from "../lib/testing/index.ts";
import { startGateway, type RunningGateway } from "./runtime.ts";

// What startGateway adds around createGateway: /healthz, identity's keys at
// /.well-known/jwks.json (503 while identity cannot be reached), the web app's
// /app-config.json, and a stop() that frees the port.
const logger = createLogger("gateway-runtime-test", "silent");
const running: RunningGateway[] = [];
afterAll(() => Promise.all(running.map((g) => g.stop(200))));

describe("startGateway", () => {
  it("serves health, the JWKS route and app config, and stop() frees the port", async () => {
    const down = `127.0.0.1:${await freePort()}`;
    const gateway = await startGateway({ port: 0, logger, backends: [{ service: EchoService, address: down }], identityAddress: down, playbackPublicUrl: "http://edge.example/" });
    running.push(gateway);
    expect(await (await fetch(`${gateway.url}/healthz`)).text()).toBe("ok\n");
    expect((await fetch(`${gateway.url}/.well-known/jwks.json`)).status).toBe(503);
    expect(await (await fetch(`${gateway.url}/app-config.json`)).json()).toEqual({ edgeUrl: "http://edge.example" });
    await gateway.stop(200);
    expect(await portOpen(gateway.port)).toBe(false);
  });

  it("has no JWKS route without identity", async () => {
    const gateway = await startGateway({ port: 0, logger, backends: [{ service: EchoService, address: `127.0.0.1:${await freePort()}` }] });
    running.push(gateway);
    expect((await fetch(`${gateway.url}/.well-known/jwks.json`)).status).toBe(404);
  });
});
