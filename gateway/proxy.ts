import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type CallOptions, type Client, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { CLIENT_ADDRESS } from "./context.ts";

/** Request headers passed on to the internal service. */
const FORWARDED_HEADERS = ["authorization", "x-request-id"];

/**
 * Builds an implementation of `service` that forwards every call, whatever its
 * streaming kind, to the internal service behind `client`. The caller's
 * deadline, cancellation and authorization go along; the client address goes
 * as x-forwarded-for. Errors from the service pass through unchanged; a
 * failure to reach it (see `unreachable`) does not carry its address out.
 */
export function forwardingImpl<S extends DescService>(service: S, client: Client<S>, extraHeaders: Record<string, string> = {}): ServiceImpl<S> {
  const impl: Record<string, unknown> = {};
  for (const method of service.methods) {
    const call = (client as Record<string, (input: unknown, options: CallOptions) => unknown>)[method.localName]!.bind(client);
    switch (method.methodKind) {
      case "unary":
      case "client_streaming":
        impl[method.localName] = async (input: unknown, context: HandlerContext) => {
          try {
            return await (call(input, callOptions(context, extraHeaders)) as Promise<unknown>);
          } catch (err) {
            throw unreachable(err);
          }
        };
        break;
      case "server_streaming":
      case "bidi_streaming":
        impl[method.localName] = async function* (input: unknown, context: HandlerContext) {
          try {
            yield* call(input, callOptions(context, extraHeaders)) as AsyncIterable<unknown>;
          } catch (err) {
            throw unreachable(err);
          }
        };
        break;
    }
  }
  return impl as ServiceImpl<S>;
}

function callOptions(context: HandlerContext, extraHeaders: Record<string, string>): CallOptions {
  const headers = new Headers(extraHeaders);
  for (const name of FORWARDED_HEADERS) {
    const value = context.requestHeader.get(name);
    if (value) headers.set(name, value);
  }
  const address = context.values.get(CLIENT_ADDRESS);
  if (address) headers.set("x-forwarded-for", address);
  return { headers, signal: context.signal, timeoutMs: context.timeoutMs() };
}

/**
 * An error the client made itself because the service could not be reached
 * (connection refused or reset, an HTTP/2 stream error, DNS) has the socket
 * error as its cause, and that error's message names the internal address
 * ("connect ECONNREFUSED 10.1.2.3:50052"). The caller gets the same code with
 * a plain message instead. Errors the service answered have no such cause
 * and pass through unchanged.
 */
function unreachable(err: unknown): unknown {
  if (!(err instanceof ConnectError)) return err;
  const cause = err.cause as { code?: unknown } | undefined;
  if (typeof cause?.code !== "string") return err;
  const code = err.code === Code.Unknown || err.code === Code.Internal ? Code.Unavailable : err.code;
  return new ConnectError(code === Code.Unavailable ? "the service is unavailable right now; try again shortly" : "the service could not be reached", code);
}
