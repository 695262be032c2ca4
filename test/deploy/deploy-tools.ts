/**
 * Helpers for test/deploy: render the Helm chart with the project's helm,
 * validate manifests with kubeconform against the offline Kubernetes schemas,
 * and validate collector configs with the built collector. The tools live in
 * .tools/ and are installed by scripts/stack/install-deploy-tools.sh.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";

const run = promisify(execFile);

/** The repository root (this file is test/deploy/deploy-tools.ts). */
export const repoRoot = resolve(import.meta.dirname, "..", "..");
/** The chart under test. */
export const chartDir = join(repoRoot, "k8s", "xtream");
/** The Kubernetes version the manifests are validated against (the schemas install-deploy-tools.sh unpacks). */
export const kubernetesVersion = process.env["XTREAM_K8S_SCHEMA_VERSION"] ?? "1.33.0";

const bin = (name: string) => join(repoRoot, ".tools", "bin", name);
/** Paths of the tools the deploy tests run. */
export const tools = {
  helm: bin("helm"),
  kubeconform: bin("kubeconform"),
  otelcol: bin("otelcol-xtream"),
  hadolint: bin("hadolint"),
  schemas: join(repoRoot, ".tools", "kubernetes-json-schema"),
};

/** True when every tool and the schemas for kubernetesVersion are in place. */
export function deployToolsPresent(): boolean {
  return (
    existsSync(tools.helm) &&
    existsSync(tools.kubeconform) &&
    existsSync(tools.otelcol) &&
    existsSync(tools.hadolint) &&
    existsSync(join(tools.schemas, `v${kubernetesVersion}-local-strict`, "deployment-apps-v1.json"))
  );
}

/**
 * Runs scripts/stack/install-deploy-tools.sh (idempotent; builds with `go install`
 * on first use), its progress going to this process's output.
 */
export async function installDeployTools(): Promise<void> {
  const script = join(repoRoot, "scripts", "stack", "install-deploy-tools.sh");
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn("bash", [script, "all"], { cwd: repoRoot, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolvePromise() : reject(new Error(`${script} exited with ${String(code)}`))));
  });
}

/** A Kubernetes object as rendered (only the fields the tests read are typed). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** Helm `--set` pairs, in order. */
export type HelmSets = Record<string, string>;

function setArgs(sets: HelmSets): string[] {
  return Object.entries(sets).flatMap(([key, value]) => ["--set", `${key}=${value}`]);
}

/** `helm template` of the chart (values files first, then sets): the rendered YAML text. */
export async function helmTemplate(sets: HelmSets = {}, releaseName = "xtream", valuesFiles: string[] = []): Promise<string> {
  const files = valuesFiles.flatMap((file) => ["--values", file]);
  const { stdout } = await run(
    tools.helm,
    ["template", releaseName, chartDir, "--namespace", "xtream", "--kube-version", kubernetesVersion, ...files, ...setArgs(sets)],
    { maxBuffer: 32 * 1024 * 1024 },
  );
  return stdout;
}

/** `helm lint --strict`; resolves with its output, rejects with it when the chart fails. */
export async function helmLint(sets: HelmSets = {}, valuesFiles: string[] = []): Promise<string> {
  const files = valuesFiles.flatMap((file) => ["--values", file]);
  const { stdout } = await run(tools.helm, ["lint", "--strict", chartDir, "--kube-version", kubernetesVersion, ...files, ...setArgs(sets)]);
  return stdout;
}

/** Parses multi-document YAML into objects, dropping empty documents; throws on a YAML error. */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join("; ")}`);
    const value = doc.toJS() as K8sObject | null;
    return value ? [value] : [];
  });
}

/** The outcome of kubeconform on some manifests. */
export interface KubeconformResult {
  ok: boolean;
  output: string;
}

/**
 * Validates manifests with kubeconform -strict against the offline schemas
 * (no missing schema is tolerated: every kind must be known, except skipKinds,
 * custom resources whose CRDs are not in the Kubernetes schemas).
 */
export async function kubeconform(manifests: string, skipKinds: string[] = []): Promise<KubeconformResult> {
  const location = join(tools.schemas, "{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}", "{{ .ResourceKind }}{{ .KindSuffix }}.json");
  const skip = skipKinds.length > 0 ? ["-skip", skipKinds.join(",")] : [];
  const args = ["-strict", "-summary", "-kubernetes-version", kubernetesVersion, "-schema-location", location, ...skip, "-"];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(tools.kubeconform, args, { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolvePromise({ ok: code === 0, output }));
    child.stdin.end(manifests);
  });
}

/** `otelcol-xtream validate` over one or more config files merged in order. */
export async function validateCollectorConfig(files: string[], env: Record<string, string> = {}): Promise<KubeconformResult> {
  const args = ["validate", ...files.flatMap((file) => ["--config", `file:${file}`])];
  try {
    const { stdout, stderr } = await run(tools.otelcol, args, { env: { ...process.env, ...env } });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failure.message}\n${failure.stdout ?? ""}${failure.stderr ?? ""}` };
  }
}

/** `hadolint --config k8s/hadolint.yaml` on a file, or on TEXT through stdin when given. */
export async function hadolint(file: string, text?: string): Promise<KubeconformResult> {
  const args = ["--no-color", "--config", join(repoRoot, "k8s", "hadolint.yaml"), text === undefined ? file : "-"];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(tools.hadolint, args, { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolvePromise({ ok: code === 0, output }));
    child.stdin.end(text ?? "");
  });
}
