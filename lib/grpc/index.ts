/** Serving protobuf-es services on grpc-js, and calling them. */
export { createGrpcServer, registerService, HEALTH_KAFKA_CONSUMER, HEALTH_LIVENESS, HEALTH_READINESS } from "./server.ts";
export type { GrpcServer, GrpcServerOptions, ServiceRegistration } from "./server.ts";
export { createServiceClient, forwardAuthorization } from "./client.ts";
export type { ServiceClientOptions } from "./client.ts";
export { toConnectError, toGrpcStatus } from "./status.ts";
export { validateRequest } from "./validation.ts";
export { encodeOnce, grpcServiceDefinition } from "./service-definition.ts";
export { peerAddress, peerAddressKey } from "./peer.ts";
