import type { IncomingMessage, ServerResponse } from "node:http";
import type { Redis } from "ioredis";
import { createRevocationList, createTokenVerifier, jwksFromIdentity, revocationsFromIdentity, type RevocationList, type TokenVerifier } from "../lib/auth/index.ts";
import type { Logger } from "../lib/logger.ts";
import { dialAddress } from "../lib/process/index.ts";
import { createBodyBudget, type BodyBudgetOptions } from "./body-budget.ts";
import { clientAddressFrom } from "./client-address.ts";
import { createRateLimiter, type RateLimiter } from "./rate-limit.ts";
import { createGatewayRedis } from "./redis.ts";
import { createGateway, type Backend, type Gateway } from "./server.ts";
import { createStaticSite } from "./static-site.ts";

export interface StartGatewayOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  /** The public services and where they run (platformBackends in routes.ts for the platform). */
  backends: Backend[];
  /**
   * Identity's gRPC address: bearer tokens are verified against its keys (and
   * its revoked-session list), and /.well-known/jwks.json serves them.
   * Without it (and without `verifier`) tokens are not checked at the edge.
   */
  identityAddress?: string;
  /** Verifies bearer tokens instead of identity's keys (tests). */
  verifier?: TokenVerifier;
  /** Per-client and per-account limits, counted in this Redis (rate-limit.ts); none without it. */
  rateLimit?: {
    redisUrl: string;
    /** Calls per client address per window. */
    perAddress: number;
    /** Calls per signed-in account per window. */
    perAccount: number;
    windowSeconds: number;
    /** Redis key prefix (default "ratelimit:gateway"; tests use their own so they do not share counters). */
    keyPrefix?: string;
  };
  /** Origins allowed to call from a browser; "*" for any (default: none). */
  corsOrigins?: string[];
  /** Proxies whose X-Forwarded-For is believed, as parseTrustedProxies gives them (client-address.ts); default none. */
  trustedProxies?: readonly string[];
  /** The built web app (static-site.ts); undefined serves none. */
  webDir?: string;
  /** Where browsers reach the HLS edge, told to the web app through /app-config.json. */
  playbackPublicUrl?: string;
  /** The byte budget for large bodies on the Connect path (large-bodies.ts); none without it. */
  bodyBudget?: BodyBudgetOptions;
}

/** A running gateway. */
export interface RunningGateway {
  port: number;
  /** http://host:port, for clients of every protocol. */
  url: string;
  gateway: Gateway;
  /** Stops accepting, gives in-flight calls graceMs, then stops the limiters and closes Redis. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts the gateway from plain options — rate limiters on Redis, token
 * verification against identity, the web app, /healthz and the JWKS route —
 * so main.ts, tests and benchmarks start it the same way.
 */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { logger } = options;
  let redis: Redis | undefined;
  const limiters: RateLimiter[] = [];
  let rateLimiter: RateLimiter | undefined;
  let accountRateLimiter: RateLimiter | undefined;
  if (options.rateLimit) {
    const { redisUrl, perAddress, perAccount, windowSeconds, keyPrefix = "ratelimit:gateway" } = options.rateLimit;
    redis = createGatewayRedis(redisUrl, logger);
    rateLimiter = createRateLimiter({ redis, limit: perAddress, windowSeconds, logger, keyPrefix });
    accountRateLimiter = createRateLimiter({ redis, limit: perAccount, windowSeconds, logger, keyPrefix: `${keyPrefix}:account` });
    limiters.push(rateLimiter, accountRateLimiter);
  }

  let revocations: RevocationList | undefined;
  let verifier = options.verifier;
  const loadJwks = options.identityAddress ? jwksFromIdentity(options.identityAddress) : undefined;
  if (!verifier && options.identityAddress && loadJwks) {
    revocations = createRevocationList({ load: revocationsFromIdentity(options.identityAddress) });
    verifier = createTokenVerifier({ loadJwks, revocations });
  }

  const webApp =
    options.webDir || options.playbackPublicUrl
      ? await createStaticSite({
          ...(options.webDir ? { dir: options.webDir } : {}),
          // What the browser app cannot know at build time.
          virtualFiles: { "/app-config.json": { body: JSON.stringify({ edgeUrl: (options.playbackPublicUrl ?? "").replace(/\/+$/, "") }) } },
          logger,
        })
      : undefined;

  const gateway = createGateway({
    backends: options.backends,
    logger,
    ...(verifier ? { verifier } : {}),
    ...(rateLimiter ? { rateLimiter } : {}),
    ...(accountRateLimiter ? { accountRateLimiter } : {}),
    corsOrigins: options.corsOrigins ?? [],
    clientAddressOf: clientAddressFrom(options.trustedProxies ?? []),
    ...(webApp ? { webApp } : {}),
    ...(options.bodyBudget ? { bodyBudget: createBodyBudget(options.bodyBudget) } : {}),
    extraRoutes: extraRoutes(loadJwks),
  });
  let port: number;
  try {
    port = await gateway.listen(options.host ?? "127.0.0.1", options.port);
  } catch (err) {
    await Promise.all(limiters.map((limiter) => limiter.close()));
    revocations?.stop();
    redis?.disconnect();
    throw err;
  }
  return {
    port,
    url: `http://${dialAddress(options.host ?? "127.0.0.1", port)}`,
    gateway,
    async stop(graceMs?: number) {
      await gateway.close(graceMs);
      await Promise.all(limiters.map((limiter) => limiter.close()));
      revocations?.stop();
      redis?.disconnect();
    },
  };
}

/** /healthz, and identity's public keys at /.well-known/jwks.json (cached for a minute). */
function extraRoutes(loadJwks: (() => Promise<unknown>) | undefined): (req: IncomingMessage, res: ServerResponse) => boolean {
  let jwksCache: { body: string; at: number } | undefined;
  return (req, res) => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return true;
    }
    if (req.url === "/.well-known/jwks.json" && loadJwks) {
      const send = (body: string) => res.writeHead(200, { "content-type": "application/jwk-set+json", "cache-control": "public, max-age=60" }).end(body);
      if (jwksCache && Date.now() - jwksCache.at < 60_000) send(jwksCache.body);
      else
        loadJwks().then(
          (jwks) => {
            jwksCache = { body: JSON.stringify(jwks), at: Date.now() };
            send(jwksCache.body);
          },
          () => res.writeHead(503, { "content-type": "text/plain" }).end("unavailable\n"),
        );
      return true;
    }
    return false;
  };
}
