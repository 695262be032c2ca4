import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "../gen/xtream/echo/v1/echo_service_pb.js";
import { createGrpcServer, registerService, type GrpcServer } from "../lib/grpc/index.ts";
import { createLogger } from "../lib/logger.ts";
import { createEchoService } from "../lib/testing/index.ts";
import { createBodyBudget } from "./body-budget.ts";
import { createGateway, type Gateway } from "./server.ts";

// Large bodies (upload chunks) are held to a byte budget on the Connect path: past it, calls
// wait their turn unread, and past the waiting room they are told to retry (UNAVAILABLE).
const logger = createLogger("large-bodies-test", "silent");
const MiB = 1024 * 1024;
let backend: GrpcServer;
let gateway: Gateway;
let baseUrl: string;
const budget = createBodyBudget({ maxBytes: 4 * MiB, maxWaiting: 1, maxWaitMs: 10_000 });

beforeAll(async () => {
  backend = createGrpcServer({ services: [registerService(EchoService, createEchoService())], logger });
  const address = `127.0.0.1:${await backend.listen("127.0.0.1", 0)}`;
  // Echo stands in for a service that takes large bodies, as UploadService does (17 MiB).
  gateway = createGateway({ backends: [{ service: EchoService, address, readMaxBytes: 17 * MiB }], logger, corsOrigins: [], bodyBudget: budget });
  baseUrl = `http://127.0.0.1:${await gateway.listen("127.0.0.1", 0)}`;
});

afterAll(async () => {
  await gateway.close(500);
  await backend.shutdown(1000);
});

/** A Connect JSON Echo call whose body is `bytes` long (JSON whitespace), held `delayMs` by the service. */
async function echoWithBody(bytes: number, delayMs: number): Promise<{ status: number; body: string; at: number }> {
  const json = JSON.stringify({ message: "chunk", delayMs });
  const body = json.slice(0, -1) + " ".repeat(bytes - json.length) + "}";
  const response = await fetch(`${baseUrl}/${EchoService.typeName}/Echo`, { method: "POST", headers: { "content-type": "application/json" }, body });
  return { status: response.status, body: await response.text(), at: Date.now() };
}

describe("large request bodies through the gateway", () => {
  it("run while the budget lasts, wait their turn past it, and are told to retry past the waiting room", async () => {
    const started = Date.now();
    const first = echoWithBody(3 * MiB, 600);
    await expect.poll(() => budget.inUse).toBe(3 * MiB);
    const second = echoWithBody(3 * MiB, 0);
    await expect.poll(() => budget.waiting).toBe(1);
    // The waiting room (1) is full: turned away at once, in Connect's words, body unread.
    const third = await echoWithBody(3 * MiB, 0);
    expect(third.status).toBe(503);
    expect(JSON.parse(third.body)).toMatchObject({ code: "unavailable" });
    expect(third.at - started).toBeLessThan(600);

    const [a, b] = await Promise.all([first, second]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    // The second ran only once the first had ended.
    expect(b.at).toBeGreaterThanOrEqual(a.at);
    expect(b.at - started).toBeGreaterThanOrEqual(600);
    await expect.poll(() => budget.inUse).toBe(0);
  });

  it("leaves small bodies alone, counts a body of unknown length at the limit, and a Connect client reads the refusal as UNAVAILABLE", async () => {
    const hold = echoWithBody(4 * MiB, 1000);
    await expect.poll(() => budget.inUse).toBe(4 * MiB);
    // Under 1 MiB: not counted, answered while the budget is spent.
    const small = await echoWithBody(1000, 0);
    expect(small.status).toBe(200);
    const waiting = echoWithBody(2 * MiB, 0);
    await expect.poll(() => budget.waiting).toBe(1);
    // connect-node sends HTTP/1.1 bodies chunked, with no Content-Length: such a body counts
    // as the path's limit, and the waiting room is full.
    const client = createClient(EchoService, createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true }));
    const refused = await client.echo({ message: "x" }).catch((err: unknown) => ConnectError.from(err));
    expect(refused).toBeInstanceOf(ConnectError);
    expect((refused as ConnectError).code).toBe(Code.Unavailable);
    expect((await hold).status).toBe(200);
    expect((await waiting).status).toBe(200);
    // With the budget free again, the same call goes through.
    expect((await client.echo({ message: "x" })).message).toBe("x");
    await expect.poll(() => budget.inUse).toBe(0);
  });
});
