import { z } from "zod";

export { z };

/**
 * Parses configuration once, at start-up, against a schema. A bad or missing
 * value stops the process with a message naming the variable. This is the only
 * module that reads process.env (besides telemetry's standard OTEL_* variables).
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${problems.join("\n")}`);
}

/** Thrown by loadConfig; main.ts prints it and exits non-zero. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Schema pieces every service shares. */
export const common = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  host: z.string().default("127.0.0.1"),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  databaseUrl: z.string().url(),
  redisUrl: z.string().url(),
  kafkaBrokers: z
    .string()
    .min(1)
    .transform((value) => value.split(",").map((broker) => broker.trim()).filter(Boolean)),
  /** Partitions of a topic when this process is the first to use it (the most consumers of one group that work at once). */
  kafkaTopicPartitions: z.coerce.number().int().min(1).max(1000).default(6),
  minioEndpoint: z.string().url(),
  secret: z.string().min(1),
  /**
   * INTERNAL_SERVICE_KEYS: credentials services present to each other for
   * internal-only RPCs (lib/auth/service-key.ts), comma-separated, current
   * first, each at least 32 characters.
   */
  serviceKeys: z
    .string()
    .transform((value) => value.split(",").map((key) => key.trim()).filter(Boolean))
    .refine((keys) => keys.length > 0 && keys.every((key) => key.length >= 32), "one or more comma-separated keys of at least 32 characters each"),
};
