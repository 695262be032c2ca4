import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { traceOutgoingCalls } from "./trace-interceptor.ts";

export interface ServiceClientOptions {
  /** host:port of the service. */
  address: string;
  interceptors?: Interceptor[];
}

/**
 * Creates a typed client for an internal gRPC service, over HTTP/2 with
 * connect-node's gRPC transport. Create one per process and reuse it.
 */
export function createServiceClient<S extends DescService>(service: S, options: ServiceClientOptions): Client<S> {
  const transport = createGrpcTransport({
    baseUrl: `http://${options.address}`,
    interceptors: [traceOutgoingCalls, ...(options.interceptors ?? [])],
  });
  return createClient(service, transport);
}

/** An interceptor that forwards the caller's authorization header. */
export function forwardAuthorization(authorization: string | null | undefined): Interceptor {
  return (next) => async (request) => {
    if (authorization) request.header.set("authorization", authorization);
    return next(request);
  };
}
