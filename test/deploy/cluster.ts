/**
 * Helpers for test/deploy/cluster.test.ts: start the local Kubernetes control plane
 * (scripts/k8s/cluster.sh: real etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, kwok fake nodes, all on loopback) and talk to it with the
 * project's kubectl and helm.
 */
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot, tools } from "./deploy-tools.ts";

const run = promisify(execFile);
const clusterScript = join(repoRoot, "scripts", "k8s", "cluster.sh");

/** The local cluster's kubeconfig (written by `cluster.sh up`). */
export const kubeconfig = join(repoRoot, ".data", "k8s", "kubeconfig");
/** The number of fake nodes `cluster.sh up` creates (XTREAM_K8S_NODES, default 3). */
export const fakeNodeCount = Number(process.env["XTREAM_K8S_NODES"] ?? "3");
const kubectlPath = join(repoRoot, ".tools", "bin", "kubectl");

/** Runs scripts/k8s/cluster.sh COMMAND, its progress going to this process's output. */
export async function clusterScriptRun(command: "up" | "down" | "install"): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn("bash", [clusterScript, command], { cwd: repoRoot, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolvePromise() : reject(new Error(`cluster.sh ${command} exited with ${String(code)}`))));
  });
}

/** True when every part of the local cluster runs and the API server answers. */
export async function clusterRunning(): Promise<boolean> {
  try {
    await run("bash", [clusterScript, "status"], { cwd: repoRoot });
    return true;
  } catch {
    return false;
  }
}

const env = () => ({ ...process.env, KUBECONFIG: kubeconfig });

/** kubectl ARGS against the local cluster; resolves with stdout, rejects with stderr in the message. */
export async function kubectl(args: string[], input?: string): Promise<string> {
  if (input === undefined) {
    const { stdout } = await run(kubectlPath, args, { env: env(), maxBuffer: 32 * 1024 * 1024 });
    return stdout;
  }
  return new Promise((resolvePromise, reject) => {
    const child = spawn(kubectlPath, args, { env: env(), stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`kubectl ${args.join(" ")}: ${err}`))));
    child.stdin.end(input);
  });
}

/** `kubectl get … -o json` parsed; `items` for lists. */
export async function kubectlJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, "-o", "json"])) as T;
}

/** helm ARGS against the local cluster; resolves with stdout. */
export async function helm(args: string[]): Promise<string> {
  const { stdout } = await run(tools.helm, args, { env: env(), maxBuffer: 32 * 1024 * 1024 });
  return stdout;
}

/** Polls CHECK every 500 ms until it returns true or TIMEOUT ms pass; then throws with what it last saw. */
export async function eventually(check: () => Promise<true | string>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result === true) return;
    if (Date.now() > deadline) throw new Error(`not reached in ${String(timeoutMs)} ms: ${result}`);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 500));
  }
}
