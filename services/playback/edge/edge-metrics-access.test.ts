import { createServer, type Server } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../lib/logger.ts";
import { createEdgeStats } from "../domain/edge-stats.ts";
import { createEdgeHandler, isLoopback } from "./edge-handler.ts";

// GET /metrics.json is for operators on the machine, not for anyone who can reach the public edge.
const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

async function edgeAnswering(metricsAllowed?: (peer: string | undefined) => boolean): Promise<string> {
  // The metrics path never touches the cache or access checks.
  const edge = createEdgeHandler({ cache: {} as never, access: {} as never, stats: createEdgeStats(), logger: createLogger("edge-metrics-test", "silent"), metricsAllowed });
  const server = createServer(edge.handle);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics.json`;
}

describe("the edge's /metrics.json", () => {
  it("answers a loopback peer", async () => {
    const response = await fetch(await edgeAnswering());
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty("requests");
  });

  it("is not there for a peer that is not allowed", async () => {
    const response = await fetch(await edgeAnswering(() => false));
    expect(response.status).toBe(404);
  });

  it("counts only loopback addresses as loopback", () => {
    expect(["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"].map(isLoopback)).toEqual([true, true, true, true]);
    expect(["10.0.0.1", "192.168.1.2", "::ffff:10.0.0.1", "128.0.0.1", "", undefined].map(isLoopback)).toEqual([false, false, false, false, false, false]);
  });
});
