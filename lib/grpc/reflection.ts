import { toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { Server } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { protoPath as healthProtoPath } from "grpc-health-check";

/**
 * Adds gRPC server reflection (v1 and v1alpha) for the given services and the
 * health service, so grpcurl and ghz work without .proto files.
 * @grpc/reflection reads serialized FileDescriptorProtos out of a
 * proto-loader package definition; we hand it our descriptors in that shape.
 */
export function addReflection(server: Server, services: DescService[]): void {
  const files = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (files.has(file.name)) return;
    files.set(file.name, file);
    file.dependencies.forEach(visit);
  };
  services.forEach((service) => visit(service.file));

  const fileDescriptorProtos = [...files.values()].map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)));
  const health = loadSync(healthProtoPath);
  const definition = { ...health, "xtream.reflection": { format: "Protocol Buffer 3 DescriptorProto", type: {}, fileDescriptorProtos } };
  const serviceNames = [...services.map((service) => service.typeName), "grpc.health.v1.Health"];
  new ReflectionService(definition as unknown as ReturnType<typeof loadSync>, { services: serviceNames }).addToServer(server);
}
