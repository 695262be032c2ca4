// Shared plumbing of the load scenarios: where things are, the load tools
// (installed by the project's own script), and child processes.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** The repository root. */
export const ROOT = join(import.meta.dirname, "..", "..");
/** Git-ignored state of the scenarios (accounts, generated clips, k6 summaries). */
export const DATA_DIR = join(ROOT, ".data", "loadtest");

/** Progress lines go to stderr, so stdout ends with the scenario's JSON line. */
export const log = (message: string) => console.error(`[load] ${message}`);

/** The path of ghz or k6 in .tools/bin, installing it (pinned, go install) when missing. */
export async function tool(name: "ghz" | "k6"): Promise<string> {
  const path = join(ROOT, ".tools", "bin", name);
  if (!existsSync(path)) {
    log(`installing ${name} (scripts/stack/install-tool.sh ${name}; a few minutes the first time)`);
    await new Promise<void>((resolve, reject) => {
      const child = spawn("bash", [join(ROOT, "scripts/stack/install-tool.sh"), name], { stdio: ["ignore", "inherit", "inherit"] });
      child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`installing ${name} failed (exit ${code})`))));
    });
  }
  return path;
}

/** Runs a command to its end; resolves with its stdout and exit code (never rejects on a non-zero exit). */
export async function runTool(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; stdoutToStderr?: boolean } = {}): Promise<{ code: number; stdout: string }> {
  if (options.stdoutToStderr) {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { env: options.env ?? process.env, stdio: ["ignore", process.stderr, "inherit"] });
      child.once("error", reject);
      child.once("exit", (code) => resolve({ code: code ?? 1, stdout: "" }));
    });
  }
  try {
    const { stdout } = await exec(command, args, { env: options.env ?? process.env, maxBuffer: 256 * 1024 * 1024 });
    return { code: 0, stdout };
  } catch (err) {
    const failed = err as { code?: number | string; stdout?: string };
    if (typeof failed.code !== "number") throw err;
    return { code: failed.code, stdout: failed.stdout ?? "" };
  }
}

/** Where the scenarios send traffic: the local stack's gateway and edge, on loopback only. */
export interface Targets {
  gatewayUrl: string;
  /** host:port of the gateway for gRPC (h2c). */
  gatewayAddress: string;
  edgeUrl: string;
}

/** The local stack's addresses (from scripts/stack/env.sh's variables); refuses anything but loopback. */
export function localTargets(env: NodeJS.ProcessEnv = process.env): Targets {
  const gatewayPort = Number(env["XTREAM_GATEWAY_PORT"] ?? 8080);
  const edgePort = Number(env["PLAYBACK_HTTP_PORT"] ?? 8081);
  return { gatewayUrl: `http://127.0.0.1:${gatewayPort}`, gatewayAddress: `127.0.0.1:${gatewayPort}`, edgeUrl: `http://127.0.0.1:${edgePort}` };
}

/** Parses "30s", "2m", "1m30s" or a number of seconds. */
export function parseDuration(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || (!match[1] && !match[2])) throw new Error(`not a duration: ${text} (use 30s, 2m or 1m30s)`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

/**
 * LOADTEST_LATENCY_SCALE multiplies every latency threshold (default 1): for a
 * slower or busier machine, or for a test that proves the thresholds bite.
 */
export function latencyScale(env: NodeJS.ProcessEnv = process.env): number {
  const scale = Number(env["LOADTEST_LATENCY_SCALE"] ?? 1);
  if (!(scale > 0)) throw new Error(`LOADTEST_LATENCY_SCALE must be a positive number, not ${env["LOADTEST_LATENCY_SCALE"]}`);
  return scale;
}
