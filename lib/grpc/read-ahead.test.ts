import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EchoService } from "../../gen/xtream/echo/v1/echo_service_pb.js";
import { createLogger } from "../logger.ts";
import { createEchoService } from "../testing/echo-service.ts";
import { createGrpcServer, registerService, REQUEST_READ_AHEAD, type GrpcServer } from "./server.ts";
import { grpcServiceDefinition } from "./service-definition.ts";

// A client-streaming handler that reads one message, then stops reading for a while
// (as an upload does while storage is slow). The client counts the messages it got out.
const MESSAGE = "x".repeat(1024 * 1024);
const SENT = 40;
let writtenWhenStalled = -1;
let server: GrpcServer;
let port: number;
let written = 0;

beforeAll(async () => {
  const echo = createEchoService({ aborted: [] });
  server = createGrpcServer({
    services: [
      registerService(EchoService, {
        ...echo,
        async echoClientStream(requests) {
          let count = 0;
          for await (const request of requests) {
            if (count++ === 0) {
              await new Promise((resolve) => setTimeout(resolve, 500));
              writtenWhenStalled = written;
            }
            void request;
          }
          return { message: "", count };
        },
      }),
    ],
    logger: createLogger("test", "silent"),
    // 1 MiB messages plus their framing: over the default request limit.
    maxMessageBytes: 2 * 1024 * 1024,
  });
  port = await server.listen("127.0.0.1", 0);
});
afterAll(() => server.shutdown(1000));

it("decodes only a bounded number of request messages ahead of a handler that stopped reading", async () => {
  const Client = grpc.makeGenericClientConstructor(grpcServiceDefinition(EchoService), "EchoService");
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    echoClientStream(callback: (err: grpc.ServiceError | null, value?: { count: number }) => void): grpc.ClientWritableStream<unknown>;
  };
  const result = await new Promise<{ count: number }>((resolve, reject) => {
    const call = client.echoClientStream((err, value) => (err ? reject(err) : resolve(value ?? { count: 0 })));
    let queued = 0;
    const writeNext = () => {
      while (queued < SENT) {
        queued++;
        const more = call.write({ message: MESSAGE }, () => written++);
        if (!more) return void call.once("drain", writeNext);
      }
      call.end();
    };
    writeNext();
  });
  client.close();
  expect(result.count).toBe(SENT);
  // Unbounded (Node's default of 16 objects), the server takes 16+ MiB while the handler waits;
  // bounded, what passes is the read-ahead plus what HTTP/2 and the sockets buffer.
  console.log(`[read-ahead] client had written ${writtenWhenStalled} of ${SENT} 1 MiB messages while the handler waited`);
  expect(writtenWhenStalled).toBeGreaterThan(0);
  expect(writtenWhenStalled).toBeLessThan(REQUEST_READ_AHEAD + 6);
});
