import { common, loadConfig, z } from "../lib/config.ts";

const schema = z.object({
  XTREAM_GATEWAY_HOST: common.host,
  XTREAM_GATEWAY_PORT: common.port(8080),
  IDENTITY_ADDR: z.string().min(1),
  CATALOG_ADDR: z.string().min(1),
  UPLOAD_ADDR: z.string().min(1),
  PLAYBACK_ADDR: z.string().min(1),
  REDIS_URL: common.redisUrl,
  GATEWAY_CORS_ORIGINS: z
    .string()
    .default("*")
    .transform((value) => value.split(",").map((origin) => origin.trim()).filter(Boolean)),
  GATEWAY_RATE_LIMIT: z.coerce.number().int().positive().default(600),
  GATEWAY_RATE_WINDOW_SECONDS: z.coerce.number().int().positive().default(60),
});

/** The gateway's configuration, read once at start-up. */
export type GatewayConfig = z.infer<typeof schema>;

export const loadGatewayConfig = () => loadConfig(schema);
