import { createRequire } from "node:module";
import { create, createFileRegistry, createRegistry, fromBinary, toBinary, type DescFile, type DescService, type Registry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { loadSync } from "@grpc/proto-loader";

const require = createRequire(import.meta.url);

/** The reflection protocol versions clients use: grpcurl and ghz try v1, older tools only v1alpha. */
const VERSIONS = ["v1", "v1alpha"] as const;

/** A reflection service (one protocol version) and its implementation, ready for a Connect router. */
export interface ReflectionRoute {
  service: DescService;
  impl: ServiceImpl<DescService>;
}

/**
 * gRPC server reflection (v1 and v1alpha) for the gateway's public services,
 * so ghz and grpcurl can call the gateway without .proto files. It answers
 * from the gateway's own generated descriptors: only the services it routes,
 * and the files they need, are visible.
 */
export function createReflectionRoutes(services: DescService[]): ReflectionRoute[] {
  const files = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    // DescFile.name has no ".proto"; clients ask by the proto's own name.
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    file.dependencies.forEach(visit);
  };
  services.forEach((service) => visit(service.file));
  const registry = createRegistry(...files.values());
  const encoded = new Map([...files.values()].map((file) => [file.proto.name, toBinary(FileDescriptorProtoSchema, file.proto)]));
  const answers = createAnswers(registry, files, encoded);

  return VERSIONS.map((version) => {
    const service = reflectionService(version);
    const names = [...services.map((s) => s.typeName), ...VERSIONS.map((v) => `grpc.reflection.${v}.ServerReflection`)];
    const requestSchema = service.methods[0]!.input;
    const responseSchema = service.methods[0]!.output;
    const impl = {
      async *serverReflectionInfo(requests: AsyncIterable<ReflectionRequest>) {
        for await (const request of requests) {
          yield create(responseSchema, { validHost: request.host, originalRequest: create(requestSchema, request as unknown as Record<string, unknown>), messageResponse: answers(request.messageRequest, names) });
        }
      },
    };
    return { service, impl: impl as unknown as ServiceImpl<DescService> };
  });
}

/** The fields of ServerReflectionRequest we read (same in v1 and v1alpha). */
interface ReflectionRequest {
  host: string;
  messageRequest:
    | { case: "fileByFilename" | "fileContainingSymbol" | "allExtensionNumbersOfType"; value: string }
    | { case: "fileContainingExtension"; value: { containingType: string; extensionNumber: number } }
    | { case: "listServices"; value: string }
    | { case: undefined; value?: undefined };
}

type Answer = { case: string; value: Record<string, unknown> };

function createAnswers(registry: Registry, files: Map<string, DescFile>, encoded: Map<string, Uint8Array>) {
  // A file and everything it imports; clients resolve the rest themselves.
  const withDependencies = (file: DescFile): Answer => {
    const out = new Map<string, Uint8Array>();
    const visit = (f: DescFile) => {
      if (out.has(f.proto.name)) return;
      out.set(f.proto.name, encoded.get(f.proto.name)!);
      f.dependencies.forEach(visit);
    };
    visit(file);
    return { case: "fileDescriptorResponse", value: { fileDescriptorProto: [...out.values()] } };
  };
  const notFound = (what: string): Answer => ({ case: "errorResponse", value: { errorCode: 5, errorMessage: `${what} not found` } });
  const fileOfSymbol = (symbol: string): DescFile | undefined => {
    // A method (pkg.Service.Method), a field or an enum value: the file of what holds it.
    return (registry.get(symbol) ?? registry.get(symbol.slice(0, symbol.lastIndexOf("."))))?.file;
  };
  const extensionsOf = (typeName: string) => [...registry].filter((d) => d.kind === "extension" && d.extendee.typeName === typeName);

  return (request: ReflectionRequest["messageRequest"], serviceNames: string[]): Answer => {
    switch (request.case) {
      case "listServices":
        return { case: "listServicesResponse", value: { service: serviceNames.map((name) => ({ name })) } };
      case "fileByFilename": {
        const file = files.get(request.value);
        return file ? withDependencies(file) : notFound(`file ${request.value}`);
      }
      case "fileContainingSymbol": {
        const file = fileOfSymbol(request.value);
        return file ? withDependencies(file) : notFound(`symbol ${request.value}`);
      }
      case "fileContainingExtension": {
        const { containingType, extensionNumber } = request.value;
        const extension = extensionsOf(containingType).find((d) => d.kind === "extension" && d.number === extensionNumber);
        return extension?.kind === "extension" ? withDependencies(extension.file) : notFound(`extension ${containingType}(${extensionNumber})`);
      }
      case "allExtensionNumbersOfType": {
        if (!registry.getMessage(request.value)) return notFound(`type ${request.value}`);
        const numbers = extensionsOf(request.value).map((d) => (d.kind === "extension" ? d.number : 0));
        return { case: "allExtensionNumbersResponse", value: { baseTypeName: request.value, extensionNumber: numbers } };
      }
      default:
        return { case: "errorResponse", value: { errorCode: 3, errorMessage: "no request given" } };
    }
  };
}

/**
 * The ServerReflection service descriptor for one version, from the
 * reflection.proto files @grpc/reflection ships. proto-loader (protobufjs)
 * writes type names relative to the package; protobuf-es wants them
 * fully qualified, so they are qualified here.
 */
function reflectionService(version: (typeof VERSIONS)[number]): DescService {
  const path = require.resolve(`@grpc/reflection/build/proto/grpc/reflection/${version}/reflection.proto`);
  const definition = loadSync(path) as unknown as Record<string, { fileDescriptorProtos: Buffer[] }>;
  const name = `grpc.reflection.${version}.ServerReflection`;
  // reflection.proto imports nothing.
  const [proto] = definition[`grpc.reflection.${version}.ServerReflectionRequest`]!.fileDescriptorProtos.map((bytes) => qualify(fromBinary(FileDescriptorProtoSchema, bytes)));
  const service = createFileRegistry(proto!, () => undefined).getService(name);
  if (!service) throw new Error(`${name} missing from ${path}`);
  return service;
}

function qualify(file: FileDescriptorProto): FileDescriptorProto {
  const full = (typeName: string) => (typeName && !typeName.startsWith(".") ? `.${file.package}.${typeName}` : typeName);
  // Every message in reflection.proto is top-level, so package-relative is all there is.
  for (const message of file.messageType) for (const field of message.field) field.typeName = full(field.typeName);
  for (const service of file.service) {
    for (const method of service.method) {
      method.inputType = full(method.inputType);
      method.outputType = full(method.outputType);
    }
  }
  return file;
}
