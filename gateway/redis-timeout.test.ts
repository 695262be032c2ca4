import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../lib/logger.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { createGatewayRedis } from "./redis.ts";

// A Redis that answers the connection's ready check and then goes silent (a
// stopped or overloaded server, a half-open connection): the limiter's syncs
// must fail after the command timeout, keep limiting locally, and let the
// gateway shut down.
let silent: net.Server;
let port: number;
const sockets: net.Socket[] = [];

beforeAll(async () => {
  silent = net.createServer((socket) => {
    sockets.push(socket);
    // Answers the connection set-up (HELLO refused, so RESP2; CLIENT SETINFO; the INFO ready check), then nothing.
    let silentNow = false;
    socket.on("data", (data: Buffer) => {
      for (const [, command] of data.toString().matchAll(/\*\d+\r\n\$\d+\r\n(\w+)\r\n/g)) {
        if (silentNow) return;
        const name = command!.toLowerCase();
        if (name === "hello") socket.write("-ERR unknown command 'hello'\r\n");
        else if (name === "info") {
          const info = "# Server\r\nloading:0\r\n";
          socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`);
          silentNow = true;
        } else socket.write("+OK\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  port = (silent.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe("the gateway's Redis", () => {
  it("times a silent server's commands out: a sync ends, limits still hold, close() returns", async () => {
    const logger = createLogger("redis-timeout-test", "silent");
    const redis = createGatewayRedis(`redis://127.0.0.1:${port}`, logger);
    await new Promise<void>((resolve) => redis.once("ready", () => resolve()));
    // An hour-long window: the windows are aligned to the clock, and a minute boundary passing
    // during the sync (it happened in a CI run) would start a fresh count.
    const limiter = createRateLimiter({ redis, limit: 3, windowSeconds: 3600, logger, syncIntervalMs: 60_000 });
    expect([1, 2, 3, 4].map(() => limiter.allow("client"))).toEqual([true, true, true, false]);
    const started = Date.now();
    await limiter.sync();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(limiter.allow("client")).toBe(false);
    await limiter.close();
    redis.disconnect();
  });
});
