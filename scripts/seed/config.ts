/** `./dev.sh seed`'s settings, read once from the environment (scripts/stack/env.sh sets the ports). */
import { fileURLToPath } from "node:url";
import { loadConfig, z } from "../../lib/config.ts";
import type { SeedOptions } from "./seed-demo.ts";

const DEFAULT_STATE_DIR = fileURLToPath(new URL("../../.data/seed", import.meta.url));
const handle = z.string().regex(/^[a-z0-9_]{3,30}$/, "3 to 30 lower-case letters, digits or underscores");

const schema = z.object({
  XTREAM_GATEWAY_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  // Overrides the port: seed another gateway than the local stack's.
  XTREAM_GATEWAY_URL: z.string().url().optional(),
  // Git-ignored: the demo user's generated password and the clip cache.
  XTREAM_SEED_DIR: z.string().min(1).default(DEFAULT_STATE_DIR),
  XTREAM_SEED_EMAIL: z.string().email().default("demo@xtream.example"),
  XTREAM_SEED_HANDLE: handle.default("xtream_demo"),
  XTREAM_SEED_CHANNEL: handle.default("xtream_showcase"),
  FFMPEG_PATH: z.string().min(1).default("ffmpeg"),
});

/** The seed's options from the environment (process.env unless given). */
export function loadSeedOptions(env?: Record<string, string | undefined>): SeedOptions {
  const config = loadConfig(schema, env);
  return {
    gatewayUrl: (config.XTREAM_GATEWAY_URL ?? `http://127.0.0.1:${config.XTREAM_GATEWAY_PORT}`).replace(/\/+$/, ""),
    stateDir: config.XTREAM_SEED_DIR,
    account: { email: config.XTREAM_SEED_EMAIL, handle: config.XTREAM_SEED_HANDLE, displayName: "Xtream Demo" },
    channelHandle: config.XTREAM_SEED_CHANNEL,
    ffmpegPath: config.FFMPEG_PATH,
  };
}
