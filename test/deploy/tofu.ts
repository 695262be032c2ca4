/**
 * Helpers for the OpenTofu module k8s/terraform: run the tofu that
 * scripts/stack/install-tofu.sh builds, with providers from its local mirror
 * (.tools/tofu.rc) and its working data outside the repository.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./deploy-tools.ts";

const run = promisify(execFile);
const tofuPath = join(repoRoot, ".tools", "bin", "tofu");
const cliConfig = join(repoRoot, ".tools", "tofu.rc");

/** The environments of k8s/terraform/environments. */
export const tofuEnvironments = ["dev", "staging", "production"] as const;

/**
 * A private copy of k8s/terraform and the chart (symlinks resolved) in a new temporary
 * directory, so parallel test files never share tofu's lock file or state; returns it.
 */
export async function tofuWorkspace(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "xtream-tofu-"));
  for (const part of ["terraform", "xtream"]) {
    await cp(join(repoRoot, "k8s", part), join(root, "k8s", part), {
      recursive: true,
      dereference: true,
      filter: (source) => !/\.terraform(\.lock\.hcl)?$|\.tfstate/.test(source),
    });
  }
  return root;
}

/** The directory of one environment, in the repository or in a workspace copy. */
export function environmentDir(environment: string, root = repoRoot): string {
  return join(root, "k8s", "terraform", "environments", environment);
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
 * `tofu -chdir=<environment dir in WORKSPACE> ARGS` (see tofuWorkspace), with the local
 * provider mirror, no colour and no input.
 */
export async function tofu(environment: string, workspace: string, args: string[]): Promise<TofuResult> {
  try {
    const { stdout, stderr } = await run(tofuPath, [`-chdir=${environmentDir(environment, workspace)}`, ...args, "-no-color"], {
      env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: "1", TF_INPUT: "0" },
      maxBuffer: 32 * 1024 * 1024,
    });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failure.message}\n${failure.stdout ?? ""}${failure.stderr ?? ""}` };
  }
}

/** `tofu fmt -check -recursive` over k8s/terraform in the repository. */
export async function tofuFmtCheck(): Promise<TofuResult> {
  try {
    const { stdout, stderr } = await run(tofuPath, ["fmt", "-check", "-recursive", "-diff", "-no-color", join(repoRoot, "k8s", "terraform")]);
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failure.message}\n${failure.stdout ?? ""}${failure.stderr ?? ""}` };
  }
}
