import type { DescService } from "@bufbuild/protobuf";
import type { CallOptions, Client, HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { CLIENT_ADDRESS } from "./context.ts";

/** Request headers passed on to the internal service. */
const FORWARDED_HEADERS = ["authorization", "x-request-id"];

/**
 * Builds an implementation of `service` that forwards every call, whatever its
 * streaming kind, to the internal service behind `client`. The caller's
 * deadline, cancellation and authorization go along; the client address goes
 * as x-forwarded-for. Errors from the service pass through unchanged.
 */
export function forwardingImpl<S extends DescService>(service: S, client: Client<S>): ServiceImpl<S> {
  const impl: Record<string, unknown> = {};
  for (const method of service.methods) {
    const call = (client as Record<string, (input: unknown, options: CallOptions) => unknown>)[method.localName]!.bind(client);
    switch (method.methodKind) {
      case "unary":
      case "client_streaming":
        impl[method.localName] = (input: unknown, context: HandlerContext) => call(input, callOptions(context));
        break;
      case "server_streaming":
      case "bidi_streaming":
        impl[method.localName] = async function* (input: unknown, context: HandlerContext) {
          yield* call(input, callOptions(context)) as AsyncIterable<unknown>;
        };
        break;
    }
  }
  return impl as ServiceImpl<S>;
}

function callOptions(context: HandlerContext): CallOptions {
  const headers = new Headers();
  for (const name of FORWARDED_HEADERS) {
    const value = context.requestHeader.get(name);
    if (value) headers.set(name, value);
  }
  const address = context.values.get(CLIENT_ADDRESS);
  if (address) headers.set("x-forwarded-for", address);
  return { headers, signal: context.signal, timeoutMs: context.timeoutMs() };
}
