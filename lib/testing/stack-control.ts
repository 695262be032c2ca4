import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A component of the local stack that a test may stop and start (scripts/stack/<name>.sh). */
export type StackComponent = "redis" | "postgres" | "kafka" | "minio";

/**
 * Stops or starts a component of the local stack, for outage tests. Start
 * returns once it is healthy. Always start again what you stopped (finally).
 */
export async function stackComponent(name: StackComponent, command: "stop" | "start"): Promise<void> {
  const script = fileURLToPath(new URL(`../../scripts/stack/${name}.sh`, import.meta.url));
  await run("bash", [script, command], { timeout: 180_000 });
}
