import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescService, type MessageShape } from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";

/**
 * Builds a grpc-js service definition from a protobuf-es service descriptor.
 * protobuf-es v2 generates no grpc-js code, so this is the bridge: paths,
 * streaming flags and (de)serialisers all come from the descriptor.
 */
export function grpcServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = grpcMethodDefinition(method);
  }
  return definition;
}

/** The grpc-js definition of one method. */
function grpcMethodDefinition(method: DescMethod): MethodDefinition<unknown, unknown> {
  return {
    path: `/${method.parent.typeName}/${method.name}`,
    originalName: method.localName,
    requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
    responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
    requestSerialize: serializer(method.input),
    requestDeserialize: requestDeserializer(method.input),
    responseSerialize: serializer(method.output),
    responseDeserialize: deserializer(method.output),
  };
}

const preEncoded = new WeakMap<object, Buffer>();

/**
 * Encodes a response message once and remembers the bytes, so every later
 * send of this same object skips re-encoding (for cached, shared responses,
 * e.g. a hot read). The message must never be mutated afterwards.
 */
export function encodeOnce<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): MessageShape<Desc> {
  const bytes = toBinary(schema, message);
  preEncoded.set(message, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return message;
}

function serializer<Desc extends DescMessage>(schema: Desc) {
  return (value: unknown): Buffer => {
    const cached = typeof value === "object" && value !== null ? preEncoded.get(value) : undefined;
    if (cached) return cached;
    // Handlers may return init shapes; create() returns real messages untouched.
    const message = create(schema, value as MessageShape<Desc>);
    const bytes = toBinary(schema, message);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

/**
 * A request whose bytes are not a valid message of its type. grpc-js answers
 * a deserializer that throws with INTERNAL, which would call a client's
 * malformed bytes our fault; the request arrives as this instead, and
 * validateRequest (run before every handler) answers INVALID_ARGUMENT.
 */
export class UndecodableRequest {
  readonly typeName: string;
  readonly reason: string;
  constructor(typeName: string, reason: string) {
    this.typeName = typeName;
    this.reason = reason;
  }
}

function requestDeserializer<Desc extends DescMessage>(schema: Desc) {
  return (bytes: Buffer): MessageShape<Desc> | UndecodableRequest => {
    try {
      return fromBinary(schema, bytes);
    } catch (err) {
      return new UndecodableRequest(schema.typeName, err instanceof Error ? err.message : String(err));
    }
  };
}

function deserializer<Desc extends DescMessage>(schema: Desc) {
  return (bytes: Buffer): MessageShape<Desc> => fromBinary(schema, bytes);
}
