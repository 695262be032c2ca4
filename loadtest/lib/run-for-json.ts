// Runs one of the loadtest commands as a release gate would and reads its verdict.
import { spawn } from "node:child_process";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");

/** What a gate reads: the exit code and the last stdout line (one JSON object); stdout for the table. */
export interface CommandVerdict {
  code: number;
  json: Record<string, unknown>;
  stdout: string;
}

/**
 * Runs `node loadtest/<script> …args` from the repository root with the current
 * environment plus `env`, and resolves with its exit code and last JSON line.
 * Rejects with stdout and the end of stderr when that line is not JSON.
 */
export function runForJson(script: string, args: string[], env: Record<string, string> = {}): Promise<CommandVerdict> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "loadtest", script), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => {
      const last = stdout.trim().split("\n").pop() ?? "";
      try {
        resolve({ code: code ?? 1, json: JSON.parse(last) as Record<string, unknown>, stdout });
      } catch {
        reject(new Error(`no JSON last line (exit ${code}); stdout:\n${stdout}\nstderr:\n${stderr.slice(-3000)}`));
      }
    });
  });
}
