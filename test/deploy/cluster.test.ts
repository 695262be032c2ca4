// Installs the chart on a real API server: scripts/k8s/cluster.sh runs the upstream
// etcd, kube-apiserver (RBAC authorizer, admission), kube-controller-manager and
// kube-scheduler on loopback, with kwok playing the kubelets of several fake nodes.
// Then it checks what a person would check first: every Deployment available, the
// collector DaemonSet with exactly one pod per node, the collector Service with a ready
// endpoint on every node, ServiceAccounts, RBAC and NetworkPolicies accepted and in force
// at the API, `helm upgrade` and `helm rollback`; then the dev values profile in a second
// release, and the OpenTofu dev environment (k8s/terraform) planned, applied and destroyed
// through the Helm provider built here. No container runs (kwok marks scheduled
// pods Running and Ready), so this proves the objects, their wiring and the controllers'
// view of them, not the processes inside.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterRunning, clusterScriptRun, eventually, fakeNodeCount, helm, kubeconfig, kubectl, kubectlJson } from "./cluster.ts";
import { chartDir, parseManifests, repoRoot, type K8sObject } from "./deploy-tools.ts";
import { installTofu, tofu, tofuPresent, tofuWorkspace } from "./tofu.ts";

interface Condition {
  type: string;
  status: string;
}
interface Deployment extends K8sObject {
  spec: { replicas: number };
  status: { availableReplicas?: number; readyReplicas?: number; conditions?: Condition[] };
}
interface DaemonSet extends K8sObject {
  status: { desiredNumberScheduled: number; numberReady: number; numberAvailable?: number };
}
interface Pod extends K8sObject {
  spec: { nodeName?: string; serviceAccountName?: string; automountServiceAccountToken?: boolean; volumes?: { name: string }[] };
  status: { phase: string; conditions?: Condition[] };
}
interface EndpointSlice extends K8sObject {
  endpoints?: { nodeName?: string; conditions: { ready?: boolean }; targetRef?: { name: string } }[];
  ports?: { name?: string; port: number }[];
}
interface List<T> {
  items: T[];
}

const namespace = `xtream-it-${randomBytes(3).toString("hex")}`;
const release = "xtream";
const collectorSelector = "app.kubernetes.io/instance=xtream,app.kubernetes.io/name=otel-collector";
/** The switches a production install turns on (README "Install"). */
const installSets = ["networkPolicy.enabled=true", "podDisruptionBudget.enabled=true"];
const phaseTimeout = 240_000;
let startedCluster = false;

const setArgs = (sets: string[]) => sets.flatMap((set) => ["--set", set]);

/** The Secrets k8s/README.md tells operators to create first (random values, never in the repo). */
async function createSecrets(): Promise<void> {
  const value = () => randomBytes(24).toString("hex");
  const secrets: Record<string, Record<string, string>> = {
    "xtream-postgres": { "database-url": `postgres://xtream:${value()}@postgres:5432/xtream` },
    "xtream-redis": { "redis-url": `redis://:${value()}@redis:6379` },
    "xtream-minio": { "access-key": value(), "secret-key": value() },
    "xtream-minio-edge": { "access-key": value(), "secret-key": value() },
    "xtream-identity": { "signing-keys": "[]" },
    "xtream-playback": { "token-secrets": value() },
    "xtream-internal": { "service-keys": value() },
  };
  for (const [name, data] of Object.entries(secrets)) {
    const literals = Object.entries(data).map(([key, v]) => `--from-literal=${key}=${v}`);
    await kubectl(["-n", namespace, "create", "secret", "generic", name, ...literals]);
  }
}

async function deployments(): Promise<Deployment[]> {
  return (await kubectlJson<List<Deployment>>(["-n", namespace, "get", "deployments"])).items;
}

/** True once every Deployment has all its replicas available; else what is missing. */
async function allAvailable(): Promise<true | string> {
  const missing = (await deployments())
    .filter((d) => (d.status.availableReplicas ?? 0) !== d.spec.replicas || !d.status.conditions?.some((c) => c.type === "Available" && c.status === "True"))
    .map((d) => `${d.metadata.name} ${String(d.status.availableReplicas ?? 0)}/${String(d.spec.replicas)}`);
  return missing.length === 0 ? true : `not available: ${missing.join(", ")}`;
}

async function nodeNames(): Promise<string[]> {
  const nodes = await kubectlJson<List<K8sObject & { status: { conditions: Condition[] } }>>(["get", "nodes", "-l", "type=kwok"]);
  return nodes.items.filter((n) => n.status.conditions.some((c) => c.type === "Ready" && c.status === "True")).map((n) => n.metadata.name).sort();
}

async function collectorSlices(): Promise<EndpointSlice[]> {
  return (await kubectlJson<List<EndpointSlice>>(["-n", namespace, "get", "endpointslices", "-l", "kubernetes.io/service-name=xtream-otel-collector"])).items;
}

beforeAll(async () => {
  // ./dev.sh test builds the control plane before vitest; this covers a direct `vitest run`.
  if (!(await clusterRunning())) {
    await clusterScriptRun("up");
    startedCluster = true;
  }
  await kubectl(["create", "namespace", namespace]);
  await createSecrets();
}, 45 * 60_000);

afterAll(async () => {
  if (existsSync(join(repoRoot, ".data", "k8s", "kubeconfig"))) {
    await helm(["uninstall", release, "-n", namespace, "--wait", "--timeout", "60s"]).catch(() => "");
    await kubectl(["delete", "namespace", namespace, "--wait=false"]).catch(() => "");
  }
  if (startedCluster) await clusterScriptRun("down");
}, 180_000);

describe("the chart on a real API server (kube-apiserver, controllers, scheduler; kwok nodes)", () => {
  it(`has ${String(fakeNodeCount)} Ready nodes to schedule on`, async () => {
    expect(await nodeNames()).toHaveLength(fakeNodeCount);
    expect(fakeNodeCount).toBeGreaterThanOrEqual(2);
  });

  it("helm install succeeds and every Deployment becomes available", async () => {
    await helm(["install", release, chartDir, "-n", namespace, ...setArgs(installSets), "--wait", "--timeout", "180s"]);
    await eventually(allAvailable, phaseTimeout);
    const names = (await deployments()).map((d) => d.metadata.name).sort();
    expect(names).toEqual(["catalog", "gateway", "identity", "playback", "transcoder", "upload"].map((n) => `xtream-${n}`));
  }, phaseTimeout + 60_000);

  it("runs exactly one collector pod on every node", async () => {
    const nodes = await nodeNames();
    const ds = await kubectlJson<DaemonSet>(["-n", namespace, "get", "daemonset", "xtream-otel-collector"]);
    expect(ds.status.desiredNumberScheduled).toBe(nodes.length);
    await eventually(async () => {
      const pods = (await kubectlJson<List<Pod>>(["-n", namespace, "get", "pods", "-l", collectorSelector])).items;
      const ready = pods.filter((p) => p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
      const perNode = ready.map((p) => p.spec.nodeName ?? "").sort();
      return JSON.stringify(perNode) === JSON.stringify(nodes) ? true : `ready collector pods on ${perNode.join(",")}`;
    }, phaseTimeout);
  }, phaseTimeout);

  it("accepted the ServiceAccounts, and RBAC gives them nothing: no Secrets, no pods, no token mounted", async () => {
    const pods = (await kubectlJson<List<Pod>>(["-n", namespace, "get", "pods"])).items;
    const accounts = new Set((await kubectlJson<List<K8sObject>>(["-n", namespace, "get", "serviceaccounts"])).items.map((a) => a.metadata.name));
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      expect(accounts, pod.metadata.name).toContain(pod.spec.serviceAccountName);
      // The ServiceAccount admission plugin adds a kube-api-access-* token volume unless the pod opts out.
      expect(pod.spec.automountServiceAccountToken, pod.metadata.name).toBe(false);
      expect(pod.spec.volumes?.map((v) => v.name).filter((n) => n.startsWith("kube-api-access")) ?? [], pod.metadata.name).toEqual([]);
    }
    for (const account of ["xtream-gateway", "xtream-otel-collector"]) {
      const as = `system:serviceaccount:${namespace}:${account}`;
      for (const verb of [["get", "secrets"], ["list", "pods"], ["list", "nodes"]]) {
        // `auth can-i` answers through the API server's RBAC authorizer (SelfSubjectAccessReview as the account).
        const answer = await kubectl(["auth", "can-i", ...verb, "-n", namespace, "--as", as]).catch((error: unknown) => String((error as { stdout?: string }).stdout));
        expect(answer, `${account} ${verb.join(" ")}`).toMatch(/\bno\b/);
      }
    }
    // The Secrets named by the pods exist (the README's "Secrets to create first" is complete).
    const manifest = parseManifests(await helm(["get", "manifest", release, "-n", namespace]));
    const referenced = new Set(JSON.stringify(manifest).match(/"secretKeyRef":\{"name":"[^"]+"/g)?.map((m) => m.split('"').at(-2) ?? ""));
    const secrets = new Set((await kubectlJson<List<K8sObject>>(["-n", namespace, "get", "secrets"])).items.map((s) => s.metadata.name));
    expect(referenced.size).toBeGreaterThan(0);
    for (const name of referenced) expect(secrets, `Secret ${name}`).toContain(name);
  }, 60_000);

  it("stored every NetworkPolicy the chart renders, default-deny first", async () => {
    const rendered = parseManifests(await helm(["get", "manifest", release, "-n", namespace])).filter((o) => o.kind === "NetworkPolicy");
    const stored = (await kubectlJson<List<K8sObject & { spec: { podSelector: unknown; policyTypes: string[] } }>>(["-n", namespace, "get", "networkpolicies"])).items;
    expect(rendered.length).toBeGreaterThan(1);
    expect(stored.map((p) => p.metadata.name).sort()).toEqual(rendered.map((p) => p.metadata.name).sort());
    expect(stored.some((p) => p.spec.policyTypes.includes("Ingress") && p.spec.policyTypes.includes("Egress"))).toBe(true);
  }, 60_000);

  it("helm upgrade: the collector Service (node-local) gets a ready endpoint on every node, the gateway scales to 3", async () => {
    const upgrade = [...installSets, "collector.endpointMode=nodeLocalService", "services.gateway.replicas=3"];
    await helm(["upgrade", release, chartDir, "-n", namespace, ...setArgs(upgrade), "--wait", "--timeout", "180s"]);
    const nodes = await nodeNames();
    await eventually(async () => {
      const endpoints = (await collectorSlices()).flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions.ready === true);
      const onNodes = endpoints.map((e) => e.nodeName ?? "").sort();
      return JSON.stringify(onNodes) === JSON.stringify(nodes) ? true : `collector endpoints on ${onNodes.join(",") || "no node"}`;
    }, phaseTimeout);
    const ports = (await collectorSlices()).flatMap((s) => s.ports ?? []).map((p) => p.port).sort();
    expect(ports).toEqual([4317, 4318]);
    await eventually(allAvailable, phaseTimeout);
    const gateway = (await deployments()).find((d) => d.metadata.name === "xtream-gateway");
    expect(gateway?.status.availableReplicas).toBe(3);
  }, 2 * phaseTimeout);

  it("helm rollback to the first revision removes the Service and restores the gateway's replicas", async () => {
    await helm(["rollback", release, "1", "-n", namespace, "--wait", "--timeout", "180s"]);
    await eventually(async () => {
      const gateway = (await deployments()).find((d) => d.metadata.name === "xtream-gateway");
      return gateway?.spec.replicas === 2 && gateway.status.availableReplicas === 2 ? true : `gateway ${JSON.stringify(gateway?.status)}`;
    }, phaseTimeout);
    const services = (await kubectlJson<List<K8sObject>>(["-n", namespace, "get", "services"])).items.map((s) => s.metadata.name);
    expect(services).not.toContain("xtream-otel-collector");
    const history = JSON.parse(await helm(["history", release, "-n", namespace, "-o", "json"])) as { revision: number; status: string }[];
    expect(history.map((h) => [h.revision, h.status])).toEqual([
      [1, "superseded"],
      [2, "superseded"],
      [3, "deployed"],
    ]);
    await eventually(allAvailable, phaseTimeout);
  }, 2 * phaseTimeout);
});

describe("the dev dependency profile on the API server", () => {
  const devNamespace = `${namespace}-dev`;
  interface StatefulSet extends K8sObject {
    spec: { replicas: number };
    status: { availableReplicas?: number };
  }
  interface Job extends K8sObject {
    status: { succeeded?: number; conditions?: Condition[] };
  }

  afterAll(async () => {
    await helm(["uninstall", release, "-n", devNamespace, "--wait", "--timeout", "60s"]).catch(() => "");
    await kubectl(["delete", "namespace", devNamespace, "--wait=false"]).catch(() => "");
  }, 120_000);

  it("installs with its Secret: the four StatefulSets available, the set-up Job complete, the Ingresses stored", async () => {
    await kubectl(["create", "namespace", devNamespace]);
    const value = () => randomBytes(16).toString("hex");
    const password = value();
    await kubectl([
      "-n", devNamespace, "create", "secret", "generic", "xtream-dev-deps",
      `--from-literal=postgres-password=${password}`,
      `--from-literal=database-url=postgres://xtream:${password}@xtream-postgres:5432/xtream`,
      `--from-literal=redis-password=${value()}`,
      `--from-literal=redis-url=redis://:${value()}@xtream-redis:6379`,
      `--from-literal=access-key=${value()}`,
      `--from-literal=secret-key=${value()}`,
      `--from-literal=edge-access-key=${value()}`,
      `--from-literal=edge-secret-key=${value()}`,
    ]);
    // No storage provisioner here: emptyDir data. A second release's collector cannot take the
    // nodes' hostPorts again, so this one uses the node-local Service.
    const sets = [
      "networkPolicy.enabled=true",
      "ingress.enabled=true",
      "collector.endpointMode=nodeLocalService",
      "devDependencies.postgres.storage=",
      "devDependencies.redpanda.storage=",
      "devDependencies.minio.storage=",
    ];
    // --wait covers the post-install hook: the set-up Job must complete for install to succeed.
    await helm(["install", release, chartDir, "-n", devNamespace, "-f", join(chartDir, "values-dev-deps.yaml"), ...setArgs(sets), "--wait", "--timeout", "180s"]);
    const statefulSets = (await kubectlJson<List<StatefulSet>>(["-n", devNamespace, "get", "statefulsets"])).items;
    expect(statefulSets.map((set) => [set.metadata.name, set.status.availableReplicas]).sort()).toEqual(
      ["minio", "postgres", "redis", "redpanda"].map((name) => [`xtream-${name}`, 1]),
    );
    const job = await kubectlJson<Job>(["-n", devNamespace, "get", "job", "xtream-dev-setup"]);
    expect(job.status.succeeded).toBe(1);
    const ingresses = (await kubectlJson<List<K8sObject & { spec: { ingressClassName: string } }>>(["-n", devNamespace, "get", "ingresses"])).items;
    expect(ingresses.map((i) => [i.metadata.name, i.spec.ingressClassName]).sort()).toEqual([
      ["xtream-app", "nginx"],
      ["xtream-media", "nginx"],
    ]);
    await eventually(async () => {
      const missing = (await kubectlJson<List<Deployment>>(["-n", devNamespace, "get", "deployments"])).items.filter((d) => d.status.availableReplicas !== d.spec.replicas);
      return missing.length === 0 ? true : `not available: ${missing.map((d) => d.metadata.name).join(", ")}`;
    }, phaseTimeout);
  }, phaseTimeout + 120_000);
});

describe("the OpenTofu dev environment against the API server", () => {
  const tofuNamespace = `${namespace}-tofu`;
  let workspace = "";
  // A throw-away cluster: no storage provisioner (emptyDir data), the collector behind its
  // node-local Service (the first release holds the nodes' hostPorts).
  const vars = () => [
    "-var", `kubeconfig=${kubeconfig}`,
    "-var", `namespace=${tofuNamespace}`,
    "-var", 'set={"collector.endpointMode"="nodeLocalService","devDependencies.postgres.storage"="","devDependencies.redpanda.storage"="","devDependencies.minio.storage"=""}',
    `-state=${join(workspace, "xtream.tfstate")}`,
  ];

  beforeAll(async () => {
    if (!tofuPresent()) await installTofu();
    workspace = await tofuWorkspace();
    await kubectl(["create", "namespace", tofuNamespace]);
    const value = () => randomBytes(16).toString("hex");
    const keys = ["postgres-password", "database-url", "redis-password", "redis-url", "access-key", "secret-key"];
    await kubectl(["-n", tofuNamespace, "create", "secret", "generic", "xtream-dev-deps", ...keys.map((key) => `--from-literal=${key}=${value()}`)]);
  }, 60 * 60_000);

  afterAll(async () => {
    if (workspace) {
      await tofu("dev", workspace, ["destroy", "-auto-approve", ...vars()]).catch(() => undefined);
      await rm(workspace, { recursive: true, force: true });
    }
    await kubectl(["delete", "namespace", tofuNamespace, "--wait=false"]).catch(() => "");
  }, 180_000);

  it("plans one release, applies it (Helm provider from the local mirror), then plans no change, and destroys it", async () => {
    expect((await tofu("dev", workspace, ["init", "-backend=false"])).ok).toBe(true);
    const plan = await tofu("dev", workspace, ["plan", ...vars()]);
    expect(plan.ok, plan.output).toBe(true);
    expect(plan.output).toMatch(/Plan: 1 to add, 0 to change, 0 to destroy/);
    const apply = await tofu("dev", workspace, ["apply", "-auto-approve", ...vars()]);
    expect(apply.ok, apply.output).toBe(true);
    const releases = JSON.parse(await helm(["list", "-n", tofuNamespace, "-o", "json"])) as { name: string; status: string }[];
    expect(releases.map((r) => [r.name, r.status])).toEqual([["xtream", "deployed"]]);
    const again = await tofu("dev", workspace, ["plan", "-detailed-exitcode", ...vars()]);
    expect(again.ok, again.output).toBe(true);
    expect(again.output).toMatch(/No changes/);
    const destroy = await tofu("dev", workspace, ["destroy", "-auto-approve", ...vars()]);
    expect(destroy.ok, destroy.output).toBe(true);
    expect(JSON.parse(await helm(["list", "-n", tofuNamespace, "-o", "json"]))).toEqual([]);
  }, 300_000);
});
