import { fileURLToPath } from "node:url";
import { common, loadConfig, z } from "../lib/config.ts";
import { parseTrustedProxies } from "./client-address.ts";

/** Where `npm run build:web` puts the browser app, relative to this file. */
const DEFAULT_WEB_DIR = fileURLToPath(new URL("../web/dist", import.meta.url));

const schema = z.object({
  XTREAM_GATEWAY_HOST: common.host,
  XTREAM_GATEWAY_PORT: common.port(8080),
  IDENTITY_ADDR: z.string().min(1),
  CATALOG_ADDR: z.string().min(1),
  UPLOAD_ADDR: z.string().min(1),
  PLAYBACK_ADDR: z.string().min(1),
  REDIS_URL: common.redisUrl,
  /** The credential sent to identity with forwarded client addresses (lib/auth/service-key.ts); the first is used. */
  INTERNAL_SERVICE_KEYS: common.serviceKeys,
  GATEWAY_CORS_ORIGINS: z
    .string()
    .default("*")
    .transform((value) => value.split(",").map((origin) => origin.trim()).filter(Boolean)),
  // Proxies in front of the gateway (an Ingress, a load balancer) whose
  // X-Forwarded-For is believed: addresses or subnets, comma-separated. Empty:
  // the TCP peer is the client (see client-address.ts).
  GATEWAY_TRUSTED_PROXIES: z
    .string()
    .default("")
    .transform((value, ctx) => {
      try {
        return parseTrustedProxies(value);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    }),
  GATEWAY_RATE_LIMIT: z.coerce.number().int().positive().default(600),
  GATEWAY_RATE_WINDOW_SECONDS: z.coerce.number().int().positive().default(60),
  /** Calls per signed-in account per window, whatever address they come from. */
  GATEWAY_ACCOUNT_RATE_LIMIT: z.coerce.number().int().positive().default(1200),
  /**
   * Bytes of large request bodies (upload chunks) the Connect path holds at once; each costs about
   * three times its size while forwarded. Past it, calls wait (GATEWAY_BODY_WAIT_SECONDS, at most
   * GATEWAY_BODY_WAITERS of them), then get UNAVAILABLE and retry. See large-bodies.ts.
   */
  GATEWAY_BODY_BUDGET_BYTES: z.coerce.number().int().positive().default(64 * 1024 * 1024),
  GATEWAY_BODY_WAITERS: z.coerce.number().int().nonnegative().default(256),
  GATEWAY_BODY_WAIT_SECONDS: z.coerce.number().positive().default(30),
  // The built web app served at /; an empty value serves none. A missing folder
  // is not an error (the API works without it; it is picked up once built).
  GATEWAY_WEB_DIR: z
    .string()
    .default(DEFAULT_WEB_DIR)
    .transform((value) => value.trim() || undefined),
  // Where browsers reach the HLS edge (the playback service's own setting, same
  // default), told to the web app through /app-config.json.
  PLAYBACK_PUBLIC_URL: z.string().url().default("http://127.0.0.1:8081"),
});

/** The gateway's configuration, read once at start-up. */
export type GatewayConfig = z.infer<typeof schema>;

/** Reads the gateway configuration (from process.env unless given), stopping on a bad value. */
export const loadGatewayConfig = (env?: Record<string, string | undefined>) => loadConfig(schema, env);
