import { once } from "node:events";
import type { DescMessage, DescMethod, DescService, MessageShape } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import type { Logger } from "../logger.ts";
import { serviceMeter } from "../telemetry/metrics.ts";
import { GrpcHandlerContext, type BaseCall } from "./handler-context.ts";
import { advertiseStreamWindow, raiseConnectionWindow, RECEIVE_WINDOW } from "./receive-window.ts";
import { addReflection } from "./reflection.ts";
import { grpcServiceDefinition } from "./service-definition.ts";
import { toConnectError, toGrpcStatus } from "./status.ts";
import { validateRequest } from "./validation.ts";

/** A generated service and its implementation, written against connect-es's ServiceImpl. */
export interface ServiceRegistration {
  service: DescService;
  impl: Partial<ServiceImpl<DescService>>;
}

/** Pairs a service with its implementation, type-checked. */
export function registerService<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): ServiceRegistration {
  return { service, impl: impl };
}

export interface GrpcServerOptions {
  services: ServiceRegistration[];
  logger: Logger;
  /** Checks the process's dependencies; drives the "readiness" health status. */
  readiness?: () => Promise<boolean>;
  /** How often readiness (and the checks below) are re-checked. */
  readinessIntervalMs?: number;
  /** More health names, each with its own check (for example "kafka-consumer"), re-checked with readiness. */
  checks?: Record<string, () => boolean>;
  /** False once the process cannot recover by itself: "liveness" becomes NOT_SERVING so it is restarted. */
  liveness?: () => boolean;
  /**
   * Largest request message accepted, in bytes (default 1 MiB: every request
   * but an upload's chunks is small); larger ones are RESOURCE_EXHAUSTED
   * before they are decoded. Responses may be up to 32 MiB.
   */
  maxMessageBytes?: number;
}

/** The default request limit of createGrpcServer. */
export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;

/** A grpc-js server with health, reflection and validation built in. */
export interface GrpcServer {
  readonly server: grpc.Server;
  /** Binds and starts; resolves with the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting, drains in-flight calls for up to graceMs, then cancels the rest. */
  shutdown(graceMs?: number): Promise<void>;
}

/** Health names: "" and "readiness" follow the readiness check; "liveness" is SERVING until shutdown. */
export const HEALTH_READINESS = "readiness";
export const HEALTH_LIVENESS = "liveness";
/** Health name of a process's Kafka consumer: NOT_SERVING while it is crashed or before it started. */
export const HEALTH_KAFKA_CONSUMER = "kafka-consumer";

/**
 * Builds (but does not start) a gRPC server that serves protobuf-es services
 * on @grpc/grpc-js: every request is validated with protovalidate before its
 * handler runs, handlers get a connect-es HandlerContext whose signal aborts on
 * deadline or client cancellation, and errors become canonical status codes.
 */
export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": options.maxMessageBytes ?? DEFAULT_MAX_REQUEST_BYTES,
    "grpc.max_send_message_length": 32 * 1024 * 1024,
    // Honoured by grpc-js versions that read it on servers; receive-window.ts does it until then.
    "grpc-node.flow_control_window": RECEIVE_WINDOW.streamBytes,
  });
  advertiseStreamWindow(server);
  const shutdownController = new AbortController();

  for (const { service, impl } of options.services) {
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const method of service.methods) {
      const fn = (impl as Record<string, unknown>)[method.localName];
      if (typeof fn !== "function") continue;
      handlers[method.localName] = adaptMethod(service, method, fn.bind(impl) as AnyImpl, options.logger, shutdownController.signal);
    }
    server.addService(grpcServiceDefinition(service), handlers);
  }

  const serviceNames = options.services.map((registration) => registration.service.typeName);
  const checks = Object.entries(options.checks ?? {});
  const health = new HealthImplementation({
    "": "NOT_SERVING",
    [HEALTH_LIVENESS]: "SERVING",
    [HEALTH_READINESS]: "NOT_SERVING",
    ...Object.fromEntries(checks.map(([name]) => [name, "NOT_SERVING" as const])),
  });
  health.addToServer(server);
  addReflection(server, options.services.map((registration) => registration.service));

  const setReady = (status: ServingStatus) => {
    for (const name of ["", HEALTH_READINESS, ...serviceNames]) health.setStatus(name, status);
  };
  let readinessTimer: NodeJS.Timeout | undefined;
  const checkReadiness = async () => {
    if (shutdownController.signal.aborted) return;
    let ready: boolean;
    try {
      ready = options.readiness ? await options.readiness() : true;
    } catch (err) {
      options.logger.warn({ err }, "readiness check failed");
      ready = false;
    }
    if (shutdownController.signal.aborted) return;
    setReady(ready ? "SERVING" : "NOT_SERVING");
    for (const [name, check] of checks) health.setStatus(name, check() ? "SERVING" : "NOT_SERVING");
    if (options.liveness && !options.liveness()) health.setStatus(HEALTH_LIVENESS, "NOT_SERVING");
  };

  return {
    server,
    async listen(host, port) {
      const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
      const bound = await new Promise<number>((resolve, reject) => {
        server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, boundPort) => (err ? reject(err) : resolve(boundPort)));
      });
      raiseConnectionWindow(server);
      await checkReadiness();
      readinessTimer = setInterval(() => void checkReadiness(), options.readinessIntervalMs ?? 5000);
      readinessTimer.unref();
      return bound;
    },
    async shutdown(graceMs = 10_000) {
      clearInterval(readinessTimer);
      setReady("NOT_SERVING");
      for (const [name] of checks) health.setStatus(name, "NOT_SERVING");
      health.setStatus(HEALTH_LIVENESS, "NOT_SERVING");
      const drained = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      const timer = setTimeout(() => {
        // Long-lived streams (WatchVideo) would hold shutdown forever: cancel them.
        shutdownController.abort(new Error("server shutting down"));
        server.forceShutdown();
      }, graceMs);
      await drained;
      clearTimeout(timer);
    },
  };
}

type AnyImpl = (input: unknown, context: HandlerContext) => unknown;
/** A call we can write responses to (server- and bidi-streaming). */
type WritableCall = BaseCall &
  NodeJS.EventEmitter & {
    write(message: unknown): boolean;
  };

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

function adaptMethod(
  service: DescService,
  method: DescMethod,
  impl: AnyImpl,
  logger: Logger,
  shutdownSignal: AbortSignal,
): grpc.UntypedHandleCall {
  const metrics = rpcMetrics(service, method);
  const fail = (err: unknown, started: number): Partial<grpc.StatusObject> => {
    const { error, internal } = toConnectError(err);
    if (internal) logger.error({ err, rpc: `${service.typeName}/${method.name}` }, "rpc failed");
    const status = toGrpcStatus(error);
    metrics.done(started, status.code ?? grpc.status.UNKNOWN);
    return status;
  };

  switch (method.methodKind) {
    case "unary":
      // The hot path: a handler that returns a value (not a promise) is
      // answered in the same tick, and the context costs nothing until used.
      // Responses are serialised by the method's serializer (create() for
      // init shapes; bytes from encodeOnce for cached messages).
      return (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const started = performance.now();
        const context = new GrpcHandlerContext(service, method, call, shutdownSignal);
        const answer = (response: unknown) => {
          sendHeaders(call, context);
          callback(null, response, context.trailerMetadata());
          metrics.done(started, grpc.status.OK);
          context.finish();
        };
        const refuse = (err: unknown) => {
          callback(fail(err, started));
          context.finish();
        };
        let result: unknown;
        try {
          validateRequest(method.input, call.request as MessageShape<DescMessage>);
          result = impl(call.request, context);
        } catch (err) {
          refuse(err);
          return;
        }
        if (isPromiseLike(result)) result.then(answer, refuse);
        else answer(result);
      };
    case "server_streaming":
      return (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const context = new GrpcHandlerContext(service, method, call, shutdownSignal);
        const started = performance.now();
        void (async () => {
          try {
            validateRequest(method.input, call.request as MessageShape<DescMessage>);
            await writeAll(call, impl(call.request, context) as AsyncIterable<unknown>, context);
            call.end(context.trailerMetadata());
            metrics.done(started, grpc.status.OK);
          } catch (err) {
            const status = fail(err, started);
            if (!call.cancelled) call.emit("error", status);
          } finally {
            context.finish();
          }
        })();
      };
    case "client_streaming":
      return (call: grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const context = new GrpcHandlerContext(service, method, call, shutdownSignal);
        const started = performance.now();
        void (async () => {
          try {
            const response = await impl(readRequests(call, method, context), context);
            sendHeaders(call, context);
            callback(null, response, context.trailerMetadata());
            metrics.done(started, grpc.status.OK);
          } catch (err) {
            callback(fail(err, started));
          } finally {
            context.finish();
          }
        })();
      };
    case "bidi_streaming":
      return (call: grpc.ServerDuplexStream<unknown, unknown>) => {
        const context = new GrpcHandlerContext(service, method, call, shutdownSignal);
        const started = performance.now();
        void (async () => {
          try {
            await writeAll(call, impl(readRequests(call, method, context), context) as AsyncIterable<unknown>, context);
            call.end(context.trailerMetadata());
            metrics.done(started, grpc.status.OK);
          } catch (err) {
            const status = fail(err, started);
            if (!call.cancelled) call.emit("error", status);
          } finally {
            context.finish();
          }
        })();
      };
  }
}

/**
 * `rpc.server.call.duration` (seconds, per rpc.service, rpc.method and
 * rpc.grpc.status_code): rate, errors and latency per method. The grpc-js
 * instrumentation makes spans but no metrics, so every server records its own.
 */
const rpcDuration = serviceMeter("grpc").createHistogram("rpc.server.call.duration", {
  unit: "s",
  description: "Duration of gRPC server calls, by method and status code",
  advice: { explicitBucketBoundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] },
});

function rpcMetrics(service: DescService, method: DescMethod) {
  const base = { "rpc.system": "grpc", "rpc.service": service.typeName, "rpc.method": method.name };
  // One attribute set per status code, made once (not an object per call).
  const byCode = new Map<number, Record<string, string | number>>();
  return {
    done(started: number, code: number) {
      let attributes = byCode.get(code);
      if (!attributes) byCode.set(code, (attributes = { ...base, "rpc.grpc.status_code": code }));
      rpcDuration.record((performance.now() - started) / 1000, attributes);
    },
  };
}

/**
 * How many decoded request messages may wait for a streaming handler.
 * grpc-js's request stream is an object-mode Readable with Node's default
 * high-water mark of 16 messages, and it decodes that many ahead however
 * slowly the handler reads: an upload waiting on slow storage would hold
 * 16 × 4 MiB of chunks (read-ahead.test.ts: a stalled handler let the client
 * write 17 messages, and 2 with this bound). With one, the next
 * message is decoded while the handler works on the current one, and beyond
 * that HTTP/2 flow control holds the client back.
 */
export const REQUEST_READ_AHEAD = 1;

async function* readRequests(call: grpc.ServerReadableStream<unknown, unknown>, method: DescMethod, context: HandlerContext): AsyncGenerator<unknown> {
  // There is no public setter; grpc-js starts decoding only when the stream is first read.
  const state = (call as unknown as { _readableState?: { highWaterMark: number } })._readableState;
  if (state) state.highWaterMark = REQUEST_READ_AHEAD;
  for await (const request of call as AsyncIterable<unknown>) {
    context.signal.throwIfAborted();
    validateRequest(method.input, request as MessageShape<DescMessage>);
    yield request;
  }
  context.signal.throwIfAborted();
}

/** Writes a handler's responses, waiting for the client when the socket is full. */
async function writeAll(call: WritableCall, responses: AsyncIterable<unknown>, context: GrpcHandlerContext) {
  let headersSent = false;
  for await (const response of responses) {
    if (context.signal.aborted) return;
    if (!headersSent) {
      sendHeaders(call, context);
      headersSent = true;
    }
    if (!call.write(response)) {
      await once(call, "drain", { signal: context.signal }).catch(() => undefined);
    }
  }
}

function sendHeaders(call: Pick<BaseCall, "sendMetadata">, context: GrpcHandlerContext) {
  const metadata = context.headerMetadata();
  if (metadata) call.sendMetadata(metadata);
}
