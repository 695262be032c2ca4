import { setTimeout as sleep } from "node:timers/promises";
import type { ServiceImpl } from "@connectrpc/connect";
import type { EchoService } from "../../gen/xtream/echo/v1/echo_service_pb.js";

/**
 * An EchoService implementation: the platform library's test subject and the
 * bare baseline of gRPC benchmarks. Handlers record what cancelled them so
 * tests can see that cancellation reached the handler.
 */
export function createEchoService(observed: { aborted: unknown[] } = { aborted: [] }): ServiceImpl<typeof EchoService> {
  const wait = async (ms: number, signal: AbortSignal) => {
    if (ms <= 0) return;
    try {
      await sleep(ms, undefined, { signal });
    } catch (err) {
      observed.aborted.push(signal.reason);
      throw err;
    }
  };
  return {
    async echo(request, context) {
      await wait(request.delayMs, context.signal);
      return { message: request.message };
    },
    async *echoServerStream(request, context) {
      for (let index = 0; index < request.repeat; index++) {
        if (index > 0) await wait(request.delayMs, context.signal);
        yield { message: request.message, index };
      }
    },
    async echoClientStream(requests) {
      const parts: string[] = [];
      for await (const request of requests) parts.push(request.message);
      return { message: parts.join(" "), count: parts.length };
    },
    async *echoBidiStream(requests) {
      for await (const request of requests) yield { message: request.message };
    },
  };
}
