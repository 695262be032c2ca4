import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoBidiStreamRequestSchema, EchoClientStreamRequestSchema, EchoRequestSchema, EchoServerStreamRequestSchema, EchoService } from "../../gen/xtream/echo/v1/echo_service_pb.js";
import { createLogger } from "../logger.ts";
import { createEchoService } from "../testing/echo-service.ts";
import { createGrpcServer, registerService, type GrpcServer } from "./server.ts";
import { grpcServiceDefinition } from "./service-definition.ts";

const observed = { aborted: [] as unknown[] };
let server: GrpcServer;
let port: number;

beforeAll(async () => {
  server = createGrpcServer({ services: [registerService(EchoService, createEchoService(observed))], logger: createLogger("test", "silent") });
  port = await server.listen("127.0.0.1", 0);
});
afterAll(() => server.shutdown(1000));

function connectClient() {
  return createClient(EchoService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
}

type Callback<T> = (err: grpc.ServiceError | null, value?: T) => void;
interface RawEchoClient extends grpc.Client {
  echo(request: unknown, options: grpc.CallOptions, callback: Callback<{ message: string }>): grpc.ClientUnaryCall;
  echoServerStream(request: unknown): grpc.ClientReadableStream<{ message: string; index: number }>;
  echoClientStream(callback: Callback<{ message: string; count: number }>): grpc.ClientWritableStream<unknown>;
  echoBidiStream(): grpc.ClientDuplexStream<unknown, { message: string }>;
}

function grpcJsClient(): RawEchoClient {
  const Client = grpc.makeGenericClientConstructor(grpcServiceDefinition(EchoService), "EchoService");
  return new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as RawEchoClient;
}

describe("grpc-js adapter, called by a Connect gRPC transport", () => {
  it("serves unary calls", async () => {
    await expect(connectClient().echo({ message: "hello" })).resolves.toMatchObject({ message: "hello" });
  });

  it("serves server streaming", async () => {
    const received: number[] = [];
    for await (const response of connectClient().echoServerStream({ message: "x", repeat: 5 })) received.push(response.index);
    expect(received).toEqual([0, 1, 2, 3, 4]);
  });

  it("serves client streaming", async () => {
    async function* requests() {
      for (const message of ["a", "b", "c"]) yield { message };
    }
    await expect(connectClient().echoClientStream(requests())).resolves.toMatchObject({ message: "a b c", count: 3 });
  });

  it("serves bidi streaming", async () => {
    async function* requests() {
      for (const message of ["one", "two"]) yield { message };
    }
    const answers: string[] = [];
    for await (const response of connectClient().echoBidiStream(requests())) answers.push(response.message);
    expect(answers).toEqual(["one", "two"]);
  });

  it("answers DEADLINE_EXCEEDED and the handler sees the deadline", async () => {
    const before = observed.aborted.length;
    const error = await connectClient()
      .echo({ message: "slow", delayMs: 2000 }, { timeoutMs: 100 })
      .catch((err: unknown) => err);
    expect(ConnectError.from(error).code).toBe(Code.DeadlineExceeded);
    await expect.poll(() => observed.aborted.length).toBeGreaterThan(before);
  });

  it("lets the handler see client cancellation", async () => {
    const before = observed.aborted.length;
    const controller = new AbortController();
    const call = connectClient().echo({ message: "slow", delayMs: 5000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(call).rejects.toMatchObject({ code: Code.Canceled });
    await expect.poll(() => observed.aborted.length).toBeGreaterThan(before);
  });

  it("rejects an invalid request with INVALID_ARGUMENT naming the field", async () => {
    const stream = connectClient().echoServerStream({ message: "x", repeat: 0 });
    const error = await stream[Symbol.asyncIterator]()
      .next()
      .catch((err: unknown) => err);
    expect(ConnectError.from(error).code).toBe(Code.InvalidArgument);
    expect(ConnectError.from(error).rawMessage).toMatch(/^repeat: /);
  });
});

describe("grpc-js adapter, called by a grpc-js client", () => {
  it("serves unary calls", async () => {
    const client = grpcJsClient();
    const response = await new Promise((resolve, reject) =>
      client.echo(create(EchoRequestSchema, { message: "hi" }), {}, (err, value) => (err ? reject(err) : resolve(value))),
    );
    expect(response).toMatchObject({ message: "hi" });
    client.close();
  });

  it("serves server streaming", async () => {
    const client = grpcJsClient();
    const received: number[] = [];
    for await (const response of client.echoServerStream(create(EchoServerStreamRequestSchema, { message: "x", repeat: 3 }))) {
      received.push((response as { index: number }).index);
    }
    expect(received).toEqual([0, 1, 2]);
    client.close();
  });

  it("serves client streaming", async () => {
    const client = grpcJsClient();
    const response = await new Promise((resolve, reject) => {
      const call = client.echoClientStream((err, value) => (err ? reject(err) : resolve(value)));
      call.write(create(EchoClientStreamRequestSchema, { message: "x" }));
      call.write(create(EchoClientStreamRequestSchema, { message: "y" }));
      call.end();
    });
    expect(response).toMatchObject({ message: "x y", count: 2 });
    client.close();
  });

  it("serves bidi streaming", async () => {
    const client = grpcJsClient();
    const call = client.echoBidiStream();
    const answers: string[] = [];
    call.write(create(EchoBidiStreamRequestSchema, { message: "ping" }));
    call.write(create(EchoBidiStreamRequestSchema, { message: "pong" }));
    call.end();
    for await (const response of call) answers.push((response as { message: string }).message);
    expect(answers).toEqual(["ping", "pong"]);
    client.close();
  });

  it("answers DEADLINE_EXCEEDED", async () => {
    const client = grpcJsClient();
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.echo(create(EchoRequestSchema, { message: "slow", delayMs: 2000 }), { deadline: Date.now() + 100 }, (err) => resolve(err)),
    );
    expect(error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    client.close();
  });

  it("lets the handler see client cancellation", async () => {
    const before = observed.aborted.length;
    const client = grpcJsClient();
    const error = await new Promise<grpc.ServiceError | null>((resolve) => {
      const call = client.echo(create(EchoRequestSchema, { message: "slow", delayMs: 5000 }), {}, (err) => resolve(err));
      setTimeout(() => call.cancel(), 100);
    });
    expect(error?.code).toBe(grpc.status.CANCELLED);
    await expect.poll(() => observed.aborted.length).toBeGreaterThan(before);
    client.close();
  });

  it("rejects an invalid request with INVALID_ARGUMENT naming the field", async () => {
    const client = grpcJsClient();
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.echo(create(EchoRequestSchema, { message: "x", delayMs: -5 }), {}, (err) => resolve(err)),
    );
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/^delay_ms: /);
    client.close();
  });
});
