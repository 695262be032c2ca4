// The shared unary path's cheap cases, through a real grpc-js server and
// client: a handler's plain return value is answered in the same tick, no
// response metadata is built when the handler sets none, an encodeOnce
// response goes out as its stored bytes, and the lazily built context still
// gives request headers, the peer and an abort signal to a handler that asks.
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoResponseSchema, EchoService } from "../../gen/xtream/echo/v1/echo_service_pb.js";
import { createLogger } from "../logger.ts";
import { peerAddress } from "./peer.ts";
import { createGrpcServer, registerService, type GrpcServer } from "./server.ts";
import { encodeOnce, grpcServiceDefinition } from "./service-definition.ts";

type Callback<T> = (err: grpc.ServiceError | null, value?: T) => void;
interface RawEchoClient extends grpc.Client {
  echo(request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<{ message: string }>): grpc.ClientUnaryCall;
}

const seen = { order: [] as string[], signals: [] as AbortSignal[] };
// A response encoded once whose stored bytes say something else than the message: only a send
// of the stored bytes (not a fresh encoding) makes the client read "stored".
const cached = encodeOnce(EchoResponseSchema, create(EchoResponseSchema, { message: "stored" }));
cached.message = "re-encoded";

let server: GrpcServer;
let client: RawEchoClient;

beforeAll(async () => {
  server = createGrpcServer({
    logger: createLogger("test", "silent"),
    services: [
      registerService(EchoService, {
        echo(request, context) {
          switch (request.message) {
            case "cached":
              return cached;
            case "plain": {
              // The response is read (serialised) before any microtask this handler queued runs:
              // answered in the same tick, not after an await.
              queueMicrotask(() => seen.order.push("microtask"));
              return {
                get message() {
                  seen.order.push("serialised");
                  return "plain";
                },
              };
            }
            case "headers":
              context.responseHeader.set("x-answer-header", "h");
              context.responseTrailer.set("x-answer-trailer", "t");
              return { message: "headers" };
            case "context":
              seen.signals.push(context.signal);
              return Promise.resolve({
                message: JSON.stringify({
                  header: context.requestHeader.get("x-test"),
                  peer: peerAddress(context),
                  aborted: context.signal.aborted,
                  path: context.url,
                }),
              });
            default:
              return { message: request.message };
          }
        },
      }),
    ],
  });
  const port = await server.listen("127.0.0.1", 0);
  const Client = grpc.makeGenericClientConstructor(grpcServiceDefinition(EchoService), "EchoService");
  client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as RawEchoClient;
});
afterAll(async () => {
  client?.close();
  await server?.shutdown(1000);
});

/** One unary call, with the response headers and trailers the client received. */
function call(message: string, metadata = new grpc.Metadata()) {
  return new Promise<{ message: string; headers: grpc.Metadata; trailers: grpc.Metadata }>((resolve, reject) => {
    let headers = new grpc.Metadata();
    let trailers = new grpc.Metadata();
    let response: { message: string } | undefined;
    let pending = 2;
    const done = () => (--pending === 0 ? resolve({ message: response!.message, headers, trailers }) : undefined);
    const unary = client.echo({ message }, metadata, { deadline: Date.now() + 10_000 }, (err, value) => {
      if (err) return reject(err);
      response = value;
      done();
    });
    unary.on("metadata", (received: grpc.Metadata) => (headers = received));
    unary.on("status", (status: grpc.StatusObject) => {
      trailers = status.metadata;
      done();
    });
  });
}

/** Metadata keys an application set (grpc-js adds content-type and the like to headers). */
const ours = (metadata: grpc.Metadata) => Object.keys(metadata.getMap()).filter((key) => key.startsWith("x-"));

describe("the shared unary path", () => {
  it("answers a handler's plain return value in the same tick", async () => {
    await expect(call("plain")).resolves.toMatchObject({ message: "plain" });
    expect(seen.order.slice(0, 2)).toEqual(["serialised", "microtask"]);
  });

  it("sends no response metadata when the handler sets none, and the handler's headers and trailers when it does", async () => {
    const bare = await call("plain");
    expect(ours(bare.headers)).toEqual([]);
    expect(ours(bare.trailers)).toEqual([]);
    const set = await call("headers");
    expect(set.headers.get("x-answer-header")).toEqual(["h"]);
    expect(set.trailers.get("x-answer-trailer")).toEqual(["t"]);
  });

  it("sends an encodeOnce response as its stored bytes", async () => {
    await expect(call("cached")).resolves.toMatchObject({ message: "stored" });
  });

  it("gives a handler that asks the request headers, the peer and a signal that ends with the call", async () => {
    const metadata = new grpc.Metadata();
    metadata.set("x-test", "from-client");
    const { message } = await call("context", metadata);
    expect(JSON.parse(message)).toEqual({ header: "from-client", peer: "127.0.0.1", aborted: false, path: "/xtream.echo.v1.EchoService/Echo" });
    // connect-es semantics: the signal aborts once the call is over (no timer or listener left behind).
    await expect.poll(() => seen.signals[0]?.aborted).toBe(true);
  });
});
