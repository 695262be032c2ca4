import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { createDualProtocolServer } from "./dual-protocol.ts";

const dual = createDualProtocolServer((_req, res) => res.end("ok"), undefined, { headersTimeoutMs: 500, checkIntervalMs: 200 });
afterAll(() => dual.close(100));

describe("the gateway's HTTP/1.1 side", () => {
  it("drops a client that trickles its headers (slowloris) once the headers timeout passes", async () => {
    const port = await new Promise<number>((resolve) => dual.server.listen(0, "127.0.0.1", () => resolve((dual.server.address() as { port: number }).port)));
    const socket = connect({ host: "127.0.0.1", port });
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now())));
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n");
    const started = Date.now();
    // A header line every 100 ms, never the blank line that ends them.
    const trickle = setInterval(() => socket.writable && socket.write(`X-Slow-${Date.now()}: 1\r\n`), 100);
    const end = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5_000))]);
    clearInterval(trickle);
    socket.destroy();
    expect(end, "the connection was still open after 5 s").toBeGreaterThan(0);
    expect(end - started).toBeLessThan(3_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});
