import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { createInterface } from "node:readline";

/**
 * Starts a bench subject (node with `args`) in its own process, so its CPU
 * time and memory are its own, and resolves with the first JSON line it
 * prints on stdout (its port, ids…). Rejects if it exits first.
 */
export async function startJsonChild<T>(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ child: ChildProcess; info: T }> {
  const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`${args.at(-1) ?? "child"} exited with ${code} before it was ready`))));
  const lines = createInterface({ input: child.stdout });
  const ready = (async () => {
    for await (const line of lines) {
      if (line.startsWith("{")) {
        lines.close();
        return JSON.parse(line) as T;
      }
    }
    throw new Error(`${args.at(-1) ?? "child"} printed no JSON line`);
  })();
  exited.catch(() => undefined);
  return { child, info: await Promise.race([ready, exited]) };
}

/** SIGTERM, then waits up to graceMs for the child to exit. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, sleep(graceMs)]);
}
