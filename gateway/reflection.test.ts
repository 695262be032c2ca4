import { createRequire } from "node:module";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "../gen/xtream/echo/v1/echo_service_pb.js";
import { createGrpcServer, registerService, type GrpcServer } from "../lib/grpc/index.ts";
import { createLogger } from "../lib/logger.ts";
import { createEchoService } from "../lib/testing/index.ts";
import { startGateway, type RunningGateway } from "./runtime.ts";

// The client is built from the upstream reflection.proto with proto-loader and
// talks gRPC over h2c to the gateway, as grpcurl or ghz would.
const require = createRequire(import.meta.url);
const logger = createLogger("gateway-reflection-test", "silent");
let backend: GrpcServer;
let gateway: RunningGateway;
let address: string;

beforeAll(async () => {
  backend = createGrpcServer({ services: [registerService(EchoService, createEchoService())], logger });
  const backendPort = await backend.listen("127.0.0.1", 0);
  gateway = await startGateway({ port: 0, backends: [{ service: EchoService, address: `127.0.0.1:${backendPort}` }], logger });
  address = `127.0.0.1:${gateway.port}`;
});

afterAll(async () => {
  await gateway.stop(500);
  await backend.shutdown(1000);
});

type Response = Record<string, unknown>;
type ReflectionClient = grpc.Client & { ServerReflectionInfo: () => grpc.ClientDuplexStream<Response, Response> };

/** Sends the requests on one reflection stream and collects the answers. */
async function reflect(version: "v1" | "v1alpha", requests: Response[]): Promise<Response[]> {
  const proto = require.resolve(`@grpc/reflection/build/proto/grpc/reflection/${version}/reflection.proto`);
  const definition = grpc.loadPackageDefinition(loadSync(proto, { keepCase: true })) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: new (address: string, creds: grpc.ChannelCredentials) => ReflectionClient }> };
  };
  const client = new definition.grpc.reflection[version]!.ServerReflection(address, grpc.credentials.createInsecure());
  try {
    const call = client.ServerReflectionInfo();
    const responses: Response[] = [];
    call.on("data", (response: Response) => responses.push(response));
    const done = new Promise((resolve, reject) => {
      call.on("end", resolve);
      call.on("error", reject);
    });
    for (const request of requests) call.write(request);
    call.end();
    await done;
    return responses;
  } finally {
    client.close();
  }
}

const fileNames = (response: Response | undefined) =>
  ((response?.["file_descriptor_response"] as { file_descriptor_proto: Buffer[] } | undefined)?.file_descriptor_proto ?? []).map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);

describe.each(["v1", "v1alpha"] as const)("the gateway's server reflection (%s)", (version) => {
  it("lists the public services and itself", async () => {
    const [answer] = await reflect(version, [{ list_services: "" }]);
    const names = (answer?.["list_services_response"] as { service: { name: string }[] }).service.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["xtream.echo.v1.EchoService", `grpc.reflection.${version}.ServerReflection`]));
    // Only what the gateway routes: no internal health service of a backend.
    expect(names).not.toContain("grpc.health.v1.Health");
  });

  it("describes a service, a method and a message, with the files they import", async () => {
    const answers = await reflect(version, [
      { file_containing_symbol: "xtream.echo.v1.EchoService" },
      { file_containing_symbol: "xtream.echo.v1.EchoService.Echo" },
      { file_containing_symbol: "xtream.echo.v1.EchoRequest" },
      { file_by_filename: "xtream/echo/v1/echo_service.proto" },
    ]);
    expect(answers).toHaveLength(4);
    for (const answer of answers) {
      const names = fileNames(answer);
      expect(names[0]).toBe("xtream/echo/v1/echo_service.proto");
      // protovalidate's rules are imported by every contract.
      expect(names).toContain("buf/validate/validate.proto");
    }
  });

  it("answers NOT_FOUND for what it does not know, and keeps the stream open", async () => {
    const answers = await reflect(version, [{ file_containing_symbol: "xtream.nothing.v1.Nope" }, { file_by_filename: "nope.proto" }, { list_services: "" }]);
    expect(answers.map((answer) => (answer["error_response"] as { error_code: number } | null)?.error_code)).toEqual([grpc.status.NOT_FOUND, grpc.status.NOT_FOUND, undefined]);
  });

  it("tells the extension numbers of a type", async () => {
    const [answer] = await reflect(version, [{ all_extension_numbers_of_type: "google.protobuf.FieldOptions" }]);
    const numbers = (answer?.["all_extension_numbers_response"] as { extension_number: number[] }).extension_number;
    expect(numbers.length).toBeGreaterThan(0);
    const [found] = await reflect(version, [{ file_containing_extension: { containing_type: "google.protobuf.FieldOptions", extension_number: numbers[0] } }]);
    expect(fileNames(found)[0]).toBe("buf/validate/validate.proto");
  });
});
