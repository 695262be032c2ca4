import { afterAll, describe, expect, it } from "vitest";
import { EchoService } from "../gen/xtream/echo/v1/echo_service_pb.js";
import { createLogger } from "../lib/logger.ts";
import { freePort } from "../lib/testing/index.ts";
import { startGateway, type RunningGateway } from "./runtime.ts";

// A backend that cannot be reached is the gateway's problem, not the caller's:
// the answer says UNAVAILABLE in plain words and names no internal address.
const logger = createLogger("backend-errors-test", "silent");
const gateways: RunningGateway[] = [];
afterAll(() => Promise.all(gateways.map((g) => g.stop(200))));


describe("the gateway and a backend that is down", () => {
  it("answers UNAVAILABLE over Connect without the backend's address or the socket error", async () => {
    const port = await freePort();
    const gateway = await startGateway({ port: 0, backends: [{ service: EchoService, address: `127.0.0.1:${port}` }], logger });
    gateways.push(gateway);
    const url = `${gateway.url}/${EchoService.typeName}/Echo`;
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "x" }) });
    const body = await response.text();
    expect(response.status).toBe(503);
    expect(JSON.parse(body)).toMatchObject({ code: "unavailable" });
    expect(body).not.toContain(String(port));
    expect(body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });
});
