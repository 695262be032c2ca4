import { createRequire } from "node:module";
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "../../gen/xtream/echo/v1/echo_service_pb.js";
import { createLogger } from "../logger.ts";
import { createEchoService } from "../testing/echo-service.ts";
import { createGrpcServer, registerService, type GrpcServer } from "./server.ts";

// Both clients are built from the upstream .proto files with proto-loader, as
// a third-party tool would, not from our own descriptors.
const require = createRequire(import.meta.url);
const reflectionProto = require.resolve("@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto");

let ready = false;
let server: GrpcServer;
let address: string;

beforeAll(async () => {
  server = createGrpcServer({
    services: [registerService(EchoService, createEchoService())],
    logger: createLogger("test", "silent"),
    readiness: async () => ready,
    readinessIntervalMs: 50,
  });
  address = `127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
});
afterAll(() => server.shutdown(1000));

function healthCheck(service: string): Promise<string> {
  const definition = grpc.loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as unknown as {
    grpc: { health: { v1: { Health: new (address: string, creds: grpc.ChannelCredentials) => grpc.Client & { check(request: { service: string }, callback: (err: grpc.ServiceError | null, response: { status: string }) => void): void } } } };
  };
  const client = new definition.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.check({ service }, (err: grpc.ServiceError | null, response: { status: string }) => {
      client.close();
      if (err) reject(err);
      else resolve(response.status);
    });
  });
}

describe("health", () => {
  it("answers liveness at once and readiness from the readiness check", async () => {
    expect(await healthCheck("liveness")).toBe("SERVING");
    expect(await healthCheck("readiness")).toBe("NOT_SERVING");
    ready = true;
    await expect.poll(() => healthCheck(""), { timeout: 2000 }).toBe("SERVING");
    expect(await healthCheck("xtream.echo.v1.EchoService")).toBe("SERVING");
  });
});

describe("reflection", () => {
  it("lists the services and describes them", async () => {
    const definition = grpc.loadPackageDefinition(loadSync(reflectionProto, { keepCase: true })) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: new (address: string, creds: grpc.ChannelCredentials) => grpc.Client & { ServerReflectionInfo: () => grpc.ClientDuplexStream<unknown, Record<string, unknown>> } } } };
    };
    const client = new definition.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
    const call = client.ServerReflectionInfo();
    const responses: Record<string, unknown>[] = [];
    call.on("data", (response: Record<string, unknown>) => responses.push(response));
    const done = new Promise((resolve) => call.on("end", resolve));
    call.write({ list_services: "" });
    call.write({ file_containing_symbol: "xtream.echo.v1.EchoService" });
    call.end();
    await done;
    client.close();

    const listed = (responses[0]?.["list_services_response"] as { service: { name: string }[] }).service.map((s) => s.name);
    expect(listed).toEqual(expect.arrayContaining(["xtream.echo.v1.EchoService", "grpc.health.v1.Health"]));
    const files = (responses[1]?.["file_descriptor_response"] as { file_descriptor_proto: Buffer[] }).file_descriptor_proto;
    expect(files.length).toBeGreaterThan(0);
    expect(Buffer.concat(files).toString("latin1")).toContain("xtream/echo/v1/echo_service.proto");
  });
});
