/**
 * Helpers for the OpenTofu module k8s/terraform: run the tofu that
 * scripts/stack/install-tofu.sh builds, with providers from its local mirror
 * (.tools/tofu.rc) and its working data outside the repository.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./deploy-tools.ts";

const run = promisify(execFile);
const tofuPath = join(repoRoot, ".tools", "bin", "tofu");
const cliConfig = join(repoRoot, ".tools", "tofu.rc");

/** The environments of k8s/terraform/environments. */
export const tofuEnvironments = ["dev", "staging", "production"] as const;

/** The directory of one environment. */
export function environmentDir(environment: string): string {
  return join(repoRoot, "k8s", "terraform", "environments", environment);
}

/** True when tofu and the provider mirror are installed. */
export function tofuPresent(): boolean {
  return existsSync(tofuPath) && existsSync(cliConfig);
}

/** Runs scripts/stack/install-tofu.sh (idempotent; builds on first use), its progress going to this output. */
export async function installTofu(): Promise<void> {
  const script = join(repoRoot, "scripts", "stack", "install-tofu.sh");
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn("bash", [script], { cwd: repoRoot, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolvePromise() : reject(new Error(`${script} exited with ${String(code)}`))));
  });
}

/** The outcome of one tofu command. */
export interface TofuResult {
  ok: boolean;
  output: string;
}

/**
 * `tofu -chdir=<environment dir> ARGS`, with the local provider mirror, no colour, no input,
 * and TF_DATA_DIR in DATADIR (so nothing but the git-ignored lock file lands in the repository).
 */
export async function tofu(environment: string, dataDir: string, args: string[], env: Record<string, string> = {}): Promise<TofuResult> {
  try {
    const { stdout, stderr } = await run(tofuPath, [`-chdir=${environmentDir(environment)}`, ...args, "-no-color"], {
      env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_DATA_DIR: dataDir, TF_IN_AUTOMATION: "1", TF_INPUT: "0", ...env },
      maxBuffer: 32 * 1024 * 1024,
    });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failure.message}\n${failure.stdout ?? ""}${failure.stderr ?? ""}` };
  }
}
