import type { IncomingMessage, ServerResponse } from "node:http";
import type * as net from "node:net";
import type { TLSSocket } from "node:tls";
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createContextValues, cors, type Interceptor, type ServiceImpl, type Transport } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import { SERVICE_KEY_HEADER, type TokenVerifier } from "../lib/auth/index.ts";
import type { Logger } from "../lib/logger.ts";
import type { ClientAddressOf } from "./client-address.ts";
import { CLIENT_ADDRESS, REQUEST_OVER_TLS } from "./context.ts";
import type { BodyBudget } from "./body-budget.ts";
import { createDualProtocolServer } from "./dual-protocol.ts";
import { createLargeBodyGate } from "./large-bodies.ts";
import { createGrpcPassthrough } from "./grpc-passthrough.ts";
import { forwardingImpl } from "./proxy.ts";
import { createReflectionRoutes } from "./reflection.ts";
import { traceApiRequest } from "./tracing.ts";
import { traceOutgoingCalls } from "../lib/grpc/trace-interceptor.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { SESSION_MODE_HEADER } from "./session-cookie.ts";
import type { StaticSite } from "./static-site.ts";

/** The largest request body a call may send through the Connect path unless its backend allows more. */
export const DEFAULT_READ_MAX_BYTES = 1024 * 1024;

/** A public service and the internal address that implements it. */
export interface Backend {
  service: DescService;
  address: string;
  /** Wraps the forwarding implementation, for the few methods the gateway takes part in; see decoratedBackend. */
  decorate?: (forwarding: ServiceImpl<DescService>) => ServiceImpl<DescService>;
  /**
   * The gateway's service credential, sent with every call to this backend
   * (identity: it believes the x-forwarded-for of calls carrying it only).
   * Backends with one take the Connect path, never the gRPC pass-through.
   */
  serviceKey?: string;
  /** Largest request body this service's calls may send through the Connect path (default 1 MiB). */
  readMaxBytes?: number;
  /**
   * Methods (by proto name, e.g. "CreateVideo") only other services may call:
   * the gateway does not route them, on any path; callers get UNIMPLEMENTED.
   */
  internalMethods?: readonly string[];
}

/** A Backend whose forwarding implementation `decorate` wraps (typed for its service). */
export function decoratedBackend<S extends DescService>(service: S, address: string, decorate: (forwarding: ServiceImpl<S>) => ServiceImpl<S>): Backend {
  return { service, address, decorate: decorate as unknown as Backend["decorate"] };
}

export interface GatewayOptions {
  backends: Backend[];
  logger: Logger;
  /** Verifies bearer tokens at the edge, so bad tokens never reach a service. */
  verifier?: TokenVerifier;
  rateLimiter?: RateLimiter;
  /** Limits calls per signed-in account (keyed by the verified token's user id), on top of the per-address limit. */
  accountRateLimiter?: RateLimiter;
  /** Origins allowed to call from a browser; "*" for any. */
  corsOrigins: string[];
  /** Serves extra HTTP routes (JWKS, health); return false to fall through to 404. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** The web app, asked (after extraRoutes) about every request that is not for a service's path. */
  webApp?: StaticSite;
  /** The caller's address behind trusted proxies (see client-address.ts); default the TCP peer. */
  clientAddressOf?: ClientAddressOf;
  /** Bounds the bytes of large bodies (backends with readMaxBytes over 1 MiB) read at once on the Connect path; see large-bodies.ts. */
  bodyBudget?: BodyBudget;
}

export interface Gateway {
  readonly server: net.Server;
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting; in-flight calls get graceMs, then connections are closed. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Builds the public gateway: Connect, gRPC-Web and gRPC on one port, over
 * HTTP/1.1 and h2c, forwarding each call to the internal gRPC service that
 * owns it. It answers CORS, checks tokens and applies per-client rate limits.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const transports = new Map<string, Transport>();
  const transportFor = (address: string) => {
    let transport = transports.get(address);
    if (!transport) {
      transport = createGrpcTransport({ baseUrl: `http://${address}`, interceptors: [traceOutgoingCalls] });
      transports.set(address, transport);
    }
    return transport;
  };

  const clientAddressOf: ClientAddressOf = options.clientAddressOf ?? ((peer) => peer ?? "");
  const interceptors: Interceptor[] = [edgeChecks(options)];
  const handler = connectNodeAdapter({
    routes(router) {
      for (const { service, address, decorate, internalMethods, readMaxBytes, serviceKey } of options.backends) {
        const forwarding = forwardingImpl(service, createClient(service, transportFor(address)), serviceKey ? { [SERVICE_KEY_HEADER]: serviceKey } : {});
        const routed = decorate ? decorate(forwarding) : forwarding;
        // A method left out of the implementation is answered UNIMPLEMENTED by connect-es itself.
        for (const method of service.methods) if (internalMethods?.includes(method.name)) delete (routed as Record<string, unknown>)[method.localName];
        // Bodies are read whole before forwarding: a small limit per service bounds the memory a few callers can take.
        router.service(service, routed, { readMaxBytes: readMaxBytes ?? DEFAULT_READ_MAX_BYTES });
      }
      // Server reflection over the public services, so ghz and grpcurl need no .proto files.
      for (const { service, impl } of createReflectionRoutes(options.backends.map((backend) => backend.service))) router.service(service, impl);
    },
    interceptors,
    readMaxBytes: DEFAULT_READ_MAX_BYTES,
    contextValues: (req) =>
      createContextValues()
        .set(CLIENT_ADDRESS, clientAddressOf(req.socket.remoteAddress, req.headers["x-forwarded-for"]))
        .set(REQUEST_OVER_TLS, (req.socket as Partial<TLSSocket>).encrypted === true),
  });

  // RPCs are POST (or Connect GET) to /<package.Service>/<Method>; nothing else is the API's.
  const apiPrefixes = options.backends.map(({ service }) => `/${service.typeName}/`);
  const isApiPath = (url: string | undefined) => apiPrefixes.some((prefix) => url?.startsWith(prefix));

  // gRPC over HTTP/2 to a service the gateway only forwards goes through untouched (grpc-passthrough.ts);
  // services the gateway takes part in (decorate) stay on the Connect path.
  const passthrough = createGrpcPassthrough({
    routes: new Map(options.backends.filter((backend) => !backend.decorate && !backend.serviceKey).map(({ service, address }) => [`/${service.typeName}/`, address])),
    // Internal methods are left to the Connect path, which answers UNIMPLEMENTED for them.
    excluded: new Set(options.backends.flatMap(({ service, internalMethods }) => (internalMethods ?? []).map((name) => `/${service.typeName}/${name}`))),
    check: (headers, client) => refusal(options, typeof headers.authorization === "string" ? headers.authorization : undefined, client),
    clientAddressOf,
  });

  const largeBodyPaths = new Map(options.backends.filter((backend) => (backend.readMaxBytes ?? 0) > DEFAULT_READ_MAX_BYTES).map(({ service, readMaxBytes }) => [`/${service.typeName}/`, readMaxBytes!]));
  const largeBodies = options.bodyBudget && createLargeBodyGate(options.bodyBudget, largeBodyPaths, DEFAULT_READ_MAX_BYTES);

  const dual = createDualProtocolServer((req, res) => {
    const request = req as unknown as IncomingMessage;
    const response = res as unknown as ServerResponse;
    if (applyCors(options.corsOrigins, request, response)) return;
    if (options.extraRoutes?.(request, response)) return;
    if (options.webApp && !isApiPath(request.url) && options.webApp.serve(request, response)) return;
    if (largeBodies) traceApiRequest(request, response, () => largeBodies(request, response, () => handler(req, res)));
    else traceApiRequest(request, response, () => handler(req, res));
  }, (stream, headers) => passthrough.handle(stream, headers));
  const server = dual.server;

  return {
    server,
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          const address = server.address();
          resolve(typeof address === "object" && address ? address.port : port);
        });
      });
    },
    async close(graceMs?: number) {
      await dual.close(graceMs);
      passthrough.close();
    },
  };
}

function edgeChecks(options: GatewayOptions): Interceptor {
  return (next) => async (request) => {
    const refused = await refusal(options, request.header.get("authorization") ?? undefined, request.contextValues.get(CLIENT_ADDRESS));
    if (refused) throw refused;
    return next(request);
  };
}

/**
 * The gateway's checks before a call goes on, on every path: the client's rate
 * limit, then the bearer token when there is one (anonymous calls go on; each
 * service decides what anonymous callers may do) and its account's rate
 * limit. Synchronous unless a token must be verified.
 */
function refusal(options: GatewayOptions, authorization: string | undefined, client: string): ConnectError | undefined | Promise<ConnectError | undefined> {
  if (options.rateLimiter && !options.rateLimiter.allow(client)) return new ConnectError("too many requests, slow down", Code.ResourceExhausted);
  if (!authorization || !options.verifier) return undefined;
  const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (!token) return new ConnectError("malformed authorization header", Code.Unauthenticated);
  return options.verifier.verify(token).then(
    (caller) =>
      options.accountRateLimiter && !options.accountRateLimiter.allow(caller.userId)
        ? new ConnectError("too many requests from this account, slow down", Code.ResourceExhausted)
        : undefined,
    () => new ConnectError("invalid or expired access token", Code.Unauthenticated),
  );
}

/**
 * Adds CORS headers for allowed origins; answers preflight requests itself
 * (returns true then). Credentials (the session cookie) are allowed only for
 * origins named in the list, never through "*": a page the gateway does not
 * know can then never make a browser send the cookie (see session-cookie.ts).
 */
function applyCors(allowed: string[], req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (!origin || !(allowed.includes("*") || allowed.includes(origin))) return false;
  res.setHeader("Access-Control-Allow-Origin", origin);
  res.setHeader("Vary", "Origin");
  res.setHeader("Access-Control-Expose-Headers", cors.exposedHeaders.join(", "));
  if (allowed.includes(origin)) res.setHeader("Access-Control-Allow-Credentials", "true");
  if (req.method !== "OPTIONS") return false;
  res.writeHead(204, {
    "Access-Control-Allow-Methods": cors.allowedMethods.join(", "),
    "Access-Control-Allow-Headers": [...cors.allowedHeaders, "Authorization", SESSION_MODE_HEADER].join(", "),
    "Access-Control-Max-Age": "7200",
  });
  res.end();
  return true;
}
