import { once } from "node:events";
import { connect, type Settings } from "node:http2";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EchoService } from "../../gen/xtream/echo/v1/echo_service_pb.js";
import { createLogger } from "../logger.ts";
import { createEchoService } from "../testing/echo-service.ts";
import { RECEIVE_WINDOW } from "./receive-window.ts";
import { createGrpcServer, registerService, type GrpcServer } from "./server.ts";

let server: GrpcServer;
let port: number;

beforeAll(async () => {
  server = createGrpcServer({ services: [registerService(EchoService, createEchoService({ aborted: [] }))], logger: createLogger("test", "silent") });
  port = await server.listen("127.0.0.1", 0);
});
afterAll(() => server.shutdown(1000));

it("grants clients the larger HTTP/2 receive windows, per stream and per connection", async () => {
  const session = connect(`http://127.0.0.1:${port}`);
  try {
    const [settings] = (await once(session, "remoteSettings")) as [Settings];
    expect(settings.initialWindowSize).toBe(RECEIVE_WINDOW.streamBytes);
    // The connection window arrives as a WINDOW_UPDATE right after the settings.
    for (let i = 0; i < 50 && (session.state.remoteWindowSize ?? 0) < RECEIVE_WINDOW.connectionBytes; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(session.state.remoteWindowSize).toBe(RECEIVE_WINDOW.connectionBytes);
  } finally {
    session.close();
  }
});
