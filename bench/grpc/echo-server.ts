/**
 * The baseline: a bare grpc-js server answering xtream.echo.v1.EchoService/Echo
 * with a hand-written service definition (protobuf-es encoding, no validation,
 * no context, no status mapping). Reflection is added so ghz needs no .proto;
 * it is not on the request path. Prints {"port":…} on its first line.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { EchoRequestSchema, EchoResponseSchema, EchoService, type EchoRequest, type EchoResponse } from "../../gen/xtream/echo/v1/echo_service_pb.js";
import { addReflection } from "../../lib/grpc/reflection.ts";

const server = new grpc.Server();
const definition: grpc.ServiceDefinition = {
  echo: {
    path: "/xtream.echo.v1.EchoService/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: (message: EchoRequest) => Buffer.from(toBinary(EchoRequestSchema, message)),
    requestDeserialize: (bytes: Buffer) => fromBinary(EchoRequestSchema, bytes),
    responseSerialize: (message: EchoResponse) => Buffer.from(toBinary(EchoResponseSchema, message)),
    responseDeserialize: (bytes: Buffer) => fromBinary(EchoResponseSchema, bytes),
  },
};
server.addService(definition, {
  echo: (call: grpc.ServerUnaryCall<EchoRequest, EchoResponse>, callback: grpc.sendUnaryData<EchoResponse>) => {
    callback(null, create(EchoResponseSchema, { message: call.request.message }));
  },
});
addReflection(server, [EchoService]);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  console.log(JSON.stringify({ port }));
});
process.on("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
