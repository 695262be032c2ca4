/**
 * Typed access to rendered Kubernetes manifests for test/deploy: find objects,
 * reach pod specs and containers, read a container's environment.
 */
import type { K8sObject } from "./deploy-tools.ts";

/** An environment entry of a container. */
export interface EnvEntry {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}

/** The container fields the tests read. */
export interface Container {
  name: string;
  image?: string;
  command?: string[];
  env?: EnvEntry[];
  ports?: { name?: string; containerPort: number; hostPort?: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  startupProbe?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

/** The pod spec fields the tests read. */
export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; emptyDir?: { sizeLimit?: string } }[];
}

/** Every object of the given kinds. */
export function objectsOf(objects: K8sObject[], ...kinds: string[]): K8sObject[] {
  return objects.filter((object) => kinds.includes(object.kind));
}

/** The one object of a kind and name; throws (failing the test) when it is missing. */
export function findObject(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) {
    const names = objectsOf(objects, kind).map((object) => object.metadata.name);
    throw new Error(`no ${kind} named ${name} (rendered: ${names.join(", ") || "none"})`);
  }
  return found;
}

/** The pod template's spec of a Deployment, DaemonSet or Job. */
export function podSpecOf(workload: K8sObject): PodSpec {
  const spec = workload["spec"] as { template?: { spec?: PodSpec } } | undefined;
  const pod = spec?.template?.spec;
  if (!pod) throw new Error(`${workload.kind} ${workload.metadata.name} has no pod template`);
  return pod;
}

/** All containers of a workload, init containers included. */
export function containersOf(workload: K8sObject): Container[] {
  const pod = podSpecOf(workload);
  return [...(pod.initContainers ?? []), ...pod.containers];
}

/** A container's environment by name, in declaration order. */
export function envOf(container: Container | undefined): Map<string, EnvEntry> {
  return new Map((container?.env ?? []).map((entry) => [entry.name, entry]));
}

/** Variable names that hold credentials and so must come from a Secret. */
export function secretLooking(name: string): boolean {
  return /(SECRET|PASSWORD|TOKEN_SECRETS|SIGNING_KEYS|ACCESS_KEY|DATABASE_URL|REDIS_URL)/.test(name);
}
