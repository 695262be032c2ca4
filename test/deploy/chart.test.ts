// Validates the deployment files: the Helm chart k8s/xtream rendered with its
// defaults and with every switch on (helm lint --strict, kubeconform -strict
// against offline Kubernetes schemas, and the platform's own rules: non-root
// read-only containers with limits, gRPC probes, a ServiceAccount each, no
// inline secrets, the collector DaemonSet, the web app in the gateway image:
// the Dockerfile's web stage is replayed with exactly the files it copies),
// and the collector config through the built collector's `validate`.
// Tools: scripts/stack/install-deploy-tools.sh.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cp, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chartDir,
  deployToolsPresent,
  hadolint,
  helmLint,
  helmTemplate,
  installDeployTools,
  kubeconform,
  parseManifests,
  repoRoot,
  validateCollectorConfig,
  type HelmSets,
  type K8sObject,
} from "./deploy-tools.ts";
import { contextCopies, copiesFromStages, parseDockerfile, readDockerignore, stageChain } from "./dockerfile.ts";
import { containersOf, envOf, findObject, objectsOf, podSpecOf, secretLooking } from "./manifests.ts";
import { defaultPorts, processEnv } from "../../scripts/stack/process-profile.ts";

const run = promisify(execFile);

/** Every optional part switched on. */
const allSwitchesOn: HelmSets = {
  "autoscaling.enabled": "true",
  "networkPolicy.enabled": "true",
  "loadGenerator.enabled": "true",
  "ingress.enabled": "true",
  "ingress.hosts.grpc": "grpc.example.org",
  "collector.metrics.otlpHttpEndpoint": "http://prometheus-server.monitoring.svc.cluster.local:9090/api/v1/otlp",
};

interface ServiceValues {
  main: string;
  image?: { repository?: string };
  hostEnv: string;
  ports: { name: string; containerPort: number; env?: string }[];
  calls: string[];
  env?: Record<string, string>;
  secretEnv?: Record<string, { name: string; key: string }>;
}
const values = parse(readFileSync(join(chartDir, "values.yaml"), "utf8")) as { services: Record<string, ServiceValues> };
const serviceNames = Object.keys(values.services);
const collectorConfigPath = join(repoRoot, "observability", "collector", "config.yaml");
/** helm, kubeconform and the collector are quick, but the machines are shared and busy. */
const toolTimeout = 180_000;

let defaults: K8sObject[] = [];
let allOn: K8sObject[] = [];
let defaultsText = "";
let allOnText = "";

beforeAll(async () => {
  // CI calls the install script before vitest; this covers a direct `vitest run`.
  if (!deployToolsPresent()) await installDeployTools();
  defaultsText = await helmTemplate();
  allOnText = await helmTemplate(allSwitchesOn);
  defaults = parseManifests(defaultsText);
  allOn = parseManifests(allOnText);
}, 60 * 60_000);

describe("helm chart k8s/xtream", () => {
  it("passes helm lint --strict with defaults and with every switch on", async () => {
    await expect(helmLint()).resolves.toContain("0 chart(s) failed");
    await expect(helmLint(allSwitchesOn)).resolves.toContain("0 chart(s) failed");
  }, toolTimeout);

  it("renders manifests that kubeconform accepts against the Kubernetes schemas (defaults, all switches, node-local Service)", async () => {
    const nodeLocal = await helmTemplate({ ...allSwitchesOn, "collector.endpointMode": "nodeLocalService" });
    for (const text of [defaultsText, allOnText, nodeLocal]) {
      const result = await kubeconform(text);
      expect(result.output).toMatch(/Invalid: 0, Errors: 0, Skipped: 0/);
      expect(result.ok, result.output).toBe(true);
    }
  }, toolTimeout);

  it("fails to render a bad endpoint mode or a call to an unknown service", async () => {
    await expect(helmTemplate({ "collector.endpointMode": "sidecar" })).rejects.toThrow(/endpointMode/);
    await expect(helmTemplate({ "services.catalog.calls[0]": "billing" })).rejects.toThrow(/not a service/);
  }, toolTimeout);

  it("gives every service a Deployment, its own ServiceAccount (no token) and a Service", () => {
    for (const name of serviceNames) {
      const deployment = findObject(defaults, "Deployment", `xtream-${name}`);
      const account = findObject(defaults, "ServiceAccount", `xtream-${name}`);
      expect(account["automountServiceAccountToken"]).toBe(false);
      const pod = podSpecOf(deployment);
      expect(pod.serviceAccountName).toBe(`xtream-${name}`);
      expect(pod.automountServiceAccountToken).toBe(false);
      findObject(defaults, "Service", `xtream-${name}`);
      expect(findObject(defaults, "PodDisruptionBudget", `xtream-${name}`)["spec"]).toMatchObject({ maxUnavailable: 1 });
    }
  });

  it("runs every container non-root with a read-only root filesystem, no privileges and seccomp RuntimeDefault", () => {
    for (const doc of [defaults, allOn]) {
      for (const workload of objectsOf(doc, "Deployment", "DaemonSet", "Job")) {
        const pod = podSpecOf(workload);
        expect(pod.securityContext, workload.metadata.name).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } });
        for (const container of containersOf(workload)) {
          expect(container.securityContext, `${workload.metadata.name}/${container.name}`).toMatchObject({
            runAsNonRoot: true,
            runAsUser: 10001,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
          });
          for (const kind of ["requests", "limits"] as const) {
            expect(container.resources?.[kind]?.["cpu"], `${container.name} ${kind}.cpu`).toBeTruthy();
            expect(container.resources?.[kind]?.["memory"], `${container.name} ${kind}.memory`).toBeTruthy();
          }
        }
      }
    }
  });

  it("mounts a sized emptyDir on /tmp, with ffmpeg scratch space for the transcoder", () => {
    for (const name of serviceNames) {
      const deployment = findObject(defaults, "Deployment", `xtream-${name}`);
      const [container] = containersOf(deployment);
      expect(container?.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
      const tmp = podSpecOf(deployment).volumes?.find((volume) => volume.name === "tmp");
      expect(tmp?.emptyDir?.sizeLimit, name).toBeTruthy();
    }
    const transcoder = findObject(defaults, "Deployment", "xtream-transcoder");
    expect(podSpecOf(transcoder).volumes?.find((volume) => volume.name === "tmp")?.emptyDir?.sizeLimit).toBe("20Gi");
    const [container] = containersOf(transcoder);
    expect(envOf(container).get("TRANSCODER_WORK_DIR")?.value).toMatch(/^\/tmp\//);
    expect(container?.resources?.limits).toHaveProperty("ephemeral-storage");
    expect(container?.image).toContain("xtream-transcoder");
  });

  it("probes gRPC services with the health service (liveness / readiness) and the gateway with /healthz", () => {
    for (const name of serviceNames) {
      const [container] = containersOf(findObject(defaults, "Deployment", `xtream-${name}`));
      const port = values.services[name]?.ports[0]?.containerPort;
      if (name === "gateway") {
        expect(container?.livenessProbe).toMatchObject({ httpGet: { path: "/healthz", port: "http" } });
        expect(container?.readinessProbe).toMatchObject({ httpGet: { path: "/healthz", port: "http" } });
      } else {
        expect(container?.livenessProbe, name).toMatchObject({ grpc: { port, service: "liveness" } });
        expect(container?.readinessProbe, name).toMatchObject({ grpc: { port, service: "readiness" } });
        expect(container?.startupProbe, name).toMatchObject({ grpc: { port, service: "liveness" } });
      }
    }
  });

  it("runs each service's main.ts with telemetry registered first, bound to all interfaces", () => {
    for (const name of serviceNames) {
      const service = values.services[name];
      const [container] = containersOf(findObject(defaults, "Deployment", `xtream-${name}`));
      expect(container?.command).toEqual(["node", "--enable-source-maps", "--import", "./lib/telemetry/register.ts", service?.main]);
      expect(readFileSync(join(repoRoot, service?.main ?? ""), "utf8")).toBeTruthy();
      expect(envOf(container).get(service?.hostEnv ?? "")?.value).toBe("0.0.0.0");
    }
  });

  it("gives playback, upload and the gateway the process settings the local stack and the benches read from the same values", async () => {
    // Read before main.ts runs (by lib/telemetry, or by node): services.NAME.processEnv in
    // values.yaml, rendered by the chart and read by scripts/stack (process-profile.ts).
    const chartEnv = (name: string, key: string) => envOf(containersOf(findObject(defaults, "Deployment", `xtream-${name}`))[0]).get(key)?.value;
    expect(chartEnv("playback", "OTEL_NODE_DISABLED_INSTRUMENTATIONS")).toBe(processEnv("playback")["OTEL_NODE_DISABLED_INSTRUMENTATIONS"]);
    expect(chartEnv("upload", "NODE_OPTIONS")).toBe(processEnv("upload")["NODE_OPTIONS"]);
    expect(chartEnv("gateway", "MALLOC_MMAP_THRESHOLD_")).toBe(processEnv("gateway")["MALLOC_MMAP_THRESHOLD_"]);
    expect(processEnv("playback")).toEqual({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: "http" });
    expect(processEnv("upload")).toEqual({ NODE_OPTIONS: "--max-semi-space-size=1" });
    const servicesEnv = async (name: string) => (await run("bash", ["scripts/stack/services.sh", "env", name], { cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: "" } })).stdout;
    expect(await servicesEnv("playback")).toContain("OTEL_NODE_DISABLED_INSTRUMENTATIONS=http\n");
    expect(await servicesEnv("upload")).toContain("NODE_OPTIONS=--max-semi-space-size=1\n");
    // The local stack's default ports are the chart's containerPorts.
    const ports = defaultPorts();
    expect(Object.keys(ports).sort()).toEqual(["CATALOG_GRPC_PORT", "IDENTITY_GRPC_PORT", "PLAYBACK_GRPC_PORT", "PLAYBACK_HTTP_PORT", "TRANSCODER_HEALTH_PORT", "UPLOAD_GRPC_PORT", "XTREAM_GATEWAY_PORT"]);
    const names = Object.keys(ports);
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !names.includes(key)));
    const { stdout } = await run("bash", ["-c", `. scripts/stack/env.sh && for v in ${names.join(" ")}; do echo "$v \${!v}"; done`], { cwd: repoRoot, env: clean });
    expect(Object.fromEntries(stdout.trim().split("\n").map((line) => [line.split(" ")[0], Number(line.split(" ")[1])]))).toEqual(ports);
  });

  it("uses only variables the services' config.ts (or the shared logger) reads", () => {
    for (const name of serviceNames) {
      const configFile = name === "gateway" ? "gateway/config.ts" : `services/${name}/config.ts`;
      // LOG_LEVEL is read by the shared logger (lib/logger.ts) for every service.
      const source = readFileSync(join(repoRoot, configFile), "utf8") + readFileSync(join(repoRoot, "lib", "logger.ts"), "utf8");
      const [container] = containersOf(findObject(defaults, "Deployment", `xtream-${name}`));
      // Read by the runtime, not the service: Node (NODE_OPTIONS), OpenTelemetry (OTEL_*), glibc (MALLOC_*).
      const own = [...envOf(container).keys()].filter((key) => !/^(HOST_IP|POD_NAME|POD_NAMESPACE|NODE_NAME|TMPDIR|NODE_OPTIONS|OTEL_.*|MALLOC_.*)$/.test(key));
      for (const key of own) expect(source, `${name}: ${key} is not read by ${configFile}`).toMatch(new RegExp(`\\b${key}\\b`));
    }
  });

  it("points each service at the addresses of the services it calls", () => {
    for (const name of serviceNames) {
      const env = envOf(containersOf(findObject(defaults, "Deployment", `xtream-${name}`))[0]);
      for (const callee of values.services[name]?.calls ?? []) {
        const service = findObject(defaults, "Service", `xtream-${callee}`);
        const port = (service["spec"] as { ports: { port: number }[] }).ports[0]?.port;
        expect(env.get(`${callee.toUpperCase()}_ADDR`)?.value).toBe(`xtream-${callee}:${String(port)}`);
      }
    }
  });

  it("keeps secrets out of the chart: credentials come from existing Secrets by name", () => {
    expect(objectsOf(allOn, "Secret")).toEqual([]);
    for (const doc of [defaults, allOn]) {
      for (const workload of objectsOf(doc, "Deployment", "DaemonSet", "Job")) {
        for (const container of containersOf(workload)) {
          for (const [key, entry] of envOf(container)) {
            if (!secretLooking(key)) continue;
            expect(entry.value, `${workload.metadata.name}: ${key} must come from a Secret`).toBeUndefined();
            expect(entry.valueFrom?.secretKeyRef?.name, key).toBeTruthy();
          }
        }
      }
    }
    const identity = envOf(containersOf(findObject(defaults, "Deployment", "xtream-identity"))[0]);
    expect(identity.get("IDENTITY_SIGNING_KEYS")?.valueFrom?.secretKeyRef).toEqual({ name: "xtream-identity", key: "signing-keys" });
    expect(identity.get("DATABASE_URL")?.valueFrom?.secretKeyRef).toEqual({ name: "xtream-postgres", key: "database-url" });
    // Only the public edge runs with the read-only MinIO user; the others that use MinIO with the full one.
    for (const name of ["upload", "transcoder", "playback"]) {
      const secret = envOf(containersOf(findObject(defaults, "Deployment", `xtream-${name}`))[0]).get("MINIO_ACCESS_KEY")?.valueFrom?.secretKeyRef;
      expect(secret, name).toEqual({ name: name === "playback" ? "xtream-minio-edge" : "xtream-minio", key: "access-key" });
    }
  });

  it("runs the OpenTelemetry Collector as a DaemonSet with hostPorts, and points pods at their node's collector", () => {
    const daemonSet = findObject(defaults, "DaemonSet", "xtream-otel-collector");
    const [collector] = containersOf(daemonSet);
    expect(collector?.ports).toEqual(
      expect.arrayContaining([expect.objectContaining({ containerPort: 4317, hostPort: 4317 }), expect.objectContaining({ containerPort: 4318, hostPort: 4318 })]),
    );
    const configMap = findObject(defaults, "ConfigMap", "xtream-otel-collector");
    const data = configMap["data"] as Record<string, string>;
    expect(data["config.yaml"]?.trim()).toBe(readFileSync(collectorConfigPath, "utf8").trim());
    for (const name of serviceNames) {
      const env = envOf(containersOf(findObject(defaults, "Deployment", `xtream-${name}`))[0]);
      const keys = [...env.keys()];
      expect(env.get("HOST_IP")?.valueFrom?.fieldRef?.fieldPath).toBe("status.hostIP");
      expect(env.get("OTEL_EXPORTER_OTLP_ENDPOINT")?.value).toBe("http://$(HOST_IP):4317");
      expect(keys.indexOf("HOST_IP")).toBeLessThan(keys.indexOf("OTEL_EXPORTER_OTLP_ENDPOINT"));
      expect(env.get("OTEL_SERVICE_NAME")?.value).toBe(`xtream-${name}`);
    }
  });

  it("renders network policies by default, and switches on HPAs (leaving replicas to them) and a bounded load generator", () => {
    for (const name of serviceNames) {
      expect(findObject(allOn, "HorizontalPodAutoscaler", `xtream-${name}`)["spec"]).toMatchObject({ scaleTargetRef: { kind: "Deployment", name: `xtream-${name}` } });
      expect(findObject(allOn, "Deployment", `xtream-${name}`)["spec"]).not.toHaveProperty("replicas");
      expect(findObject(defaults, "Deployment", `xtream-${name}`)["spec"]).toHaveProperty("replicas");
      findObject(defaults, "NetworkPolicy", `xtream-${name}`);
    }
    expect(objectsOf(defaults, "HorizontalPodAutoscaler", "Job")).toEqual([]);
    expect(findObject(defaults, "NetworkPolicy", "xtream-default-deny")["spec"]).toMatchObject({ podSelector: { matchLabels: { "app.kubernetes.io/instance": "xtream" } }, policyTypes: ["Ingress", "Egress"] });
    const job = findObject(allOn, "Job", "xtream-load-generator");
    const jobSpec = job["spec"] as { backoffLimit?: number; activeDeadlineSeconds?: number };
    expect(jobSpec.backoffLimit).toBe(0);
    expect(jobSpec.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(envOf(containersOf(job)[0]).get("GATEWAY_URL")?.value).toBe("http://xtream-gateway:8080");
  });

  it("lets only the gateway, catalog and upload reach identity, and only the gateway reach upload", () => {
    const callersOf = (name: string) => {
      const spec = findObject(allOn, "NetworkPolicy", `xtream-${name}`)["spec"] as { ingress: { from?: { podSelector: { matchLabels: Record<string, string> } }[] }[] };
      return spec.ingress.flatMap((rule) => rule.from ?? []).map((peer) => peer.podSelector.matchLabels["app.kubernetes.io/name"]).sort();
    };
    expect(callersOf("identity")).toEqual(["catalog", "gateway", "upload"]);
    expect(callersOf("upload")).toEqual(["gateway"]);
    expect(callersOf("transcoder")).toEqual([]);
  });
});

describe("the web app in the gateway image", () => {
  const stages = parseDockerfile(readFileSync(join(repoRoot, "Dockerfile"), "utf8"));
  const gatewayEnv = () => envOf(containersOf(findObject(defaults, "Deployment", "xtream-gateway"))[0]);
  /** The stage whose RUN is `npm run build:web`. */
  const webStage = () => {
    const found = stages.filter((stage) => stage.instructions.some(({ keyword, args }) => keyword === "RUN" && /\bnpm run build:web\b/.test(args)));
    expect(found.map((stage) => stage.name)).toHaveLength(1);
    return found[0]!;
  };

  it("sets GATEWAY_WEB_DIR on the gateway only, and tells it playback's public edge URL", async () => {
    const webDir = gatewayEnv().get("GATEWAY_WEB_DIR")?.value;
    expect(webDir).toBe("/app/web/dist");
    for (const name of serviceNames.filter((n) => n !== "gateway")) {
      expect(envOf(containersOf(findObject(defaults, "Deployment", `xtream-${name}`))[0]).has("GATEWAY_WEB_DIR"), name).toBe(false);
    }
    const playbackUrl = envOf(containersOf(findObject(defaults, "Deployment", "xtream-playback"))[0]).get("PLAYBACK_PUBLIC_URL")?.value;
    expect(playbackUrl).toBeTruthy();
    expect(gatewayEnv().get("PLAYBACK_PUBLIC_URL")?.value).toBe(playbackUrl);
    // One value for both: the install command's --set reaches the gateway too.
    const custom = parseManifests(await helmTemplate({ "services.playback.env.PLAYBACK_PUBLIC_URL": "https://media.example.org" }));
    expect(envOf(containersOf(findObject(custom, "Deployment", "xtream-gateway"))[0]).get("PLAYBACK_PUBLIC_URL")?.value).toBe("https://media.example.org");
    await expect(helmTemplate({ "services.gateway.envFromServices.PLAYBACK_PUBLIC_URL": "billing" })).rejects.toThrow(/not a service/);
  }, toolTimeout);

  it("builds web/dist in a Dockerfile stage and copies it into the gateway's image at GATEWAY_WEB_DIR", () => {
    const web = webStage();
    // Vite is a dev dependency: this stage must install them (unlike the runtime deps stage).
    const install = web.instructions.find(({ keyword, args }) => keyword === "RUN" && /\bnpm ci\b/.test(args));
    expect(install?.args).not.toMatch(/--omit=dev|--production/);
    expect(contextCopies(web)).toEqual(expect.arrayContaining(["package.json", "package-lock.json", "patches", "gen", "web"]));
    // The gateway runs the default image (no image override), whose last stage is `service`.
    expect(values.services["gateway"]?.image).toBeUndefined();
    expect(stages.at(-1)?.name).toBe("service");
    const copies = copiesFromStages(stageChain(stages, "service")).filter((copy) => copy.from === web.name);
    expect(copies).toEqual([{ from: web.name, source: "/app/web/dist", destination: gatewayEnv().get("GATEWAY_WEB_DIR")?.value }]);
    // The build context keeps web/ and gen/, and leaves out a local build.
    const ignored = readDockerignore(join(repoRoot, ".dockerignore"));
    expect(ignored).toContain("web/dist");
    expect(ignored.filter((pattern) => /^(web|gen)\/?$/.test(pattern))).toEqual([]);
  });

  it("replays the web stage from exactly the files it copies: npm run build:web writes web/dist/index.html", async () => {
    const web = webStage();
    const dir = await mkdtemp(join(tmpdir(), "xtream-web-stage-"));
    try {
      // The context as .dockerignore leaves it (no tests, no local build).
      const skip = (path: string) => path.endsWith(".test.ts") || path.includes(`${join("web", "dist")}`) || path.includes("node_modules");
      for (const source of contextCopies(web)) await cp(join(repoRoot, source), join(dir, source), { recursive: true, filter: (path) => !skip(path.slice(repoRoot.length)) });
      // Stands in for the stage's `npm ci` (the same lock file, already installed here).
      await symlink(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
      expect(existsSync(join(dir, "web", "dist"))).toBe(false);
      await run("npm", ["run", "build:web"], { cwd: dir, timeout: 150_000 });
      expect(readFileSync(join(dir, "web", "dist", "index.html"), "utf8")).toMatch(/<script[^>]+src="\/assets\/[^"]+\.js"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, toolTimeout);
});

describe("collector config", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "xtream-otelcol-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is valid for the built collector, alone and with the chart's overlays (default and metrics backend)", async () => {
    const alone = await validateCollectorConfig([collectorConfigPath]);
    expect(alone.ok, alone.output).toBe(true);
    const defaultData = findObject(defaults, "ConfigMap", "xtream-otel-collector")["data"] as Record<string, string>;
    const defaultOverlay = join(dir, "default-overlay.yaml");
    await writeFile(defaultOverlay, defaultData["overlay.yaml"] ?? "");
    const withDefault = await validateCollectorConfig([collectorConfigPath, defaultOverlay]);
    expect(withDefault.ok, withDefault.output).toBe(true);
    const data = findObject(allOn, "ConfigMap", "xtream-otel-collector")["data"] as Record<string, string>;
    const overlay = join(dir, "overlay.yaml");
    await writeFile(overlay, data["overlay.yaml"] ?? "");
    expect(data["overlay.yaml"]).toContain("otlp_http/metrics");
    const merged = await validateCollectorConfig([collectorConfigPath, overlay], { TRACES_OTLP_ENDPOINT: "jaeger:4317" });
    expect(merged.ok, merged.output).toBe(true);
  }, toolTimeout);

  it("rejects a pipeline that names an exporter the build does not have", async () => {
    const bad = join(dir, "bad.yaml");
    await writeFile(bad, "service:\n  pipelines:\n    traces:\n      exporters: [prometheusremotewrite]\n");
    const result = await validateCollectorConfig([collectorConfigPath, bad]);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/prometheusremotewrite/);
  }, toolTimeout);
});


const devProfile = join(chartDir, "values-dev-deps.yaml");
const devDependencyNames = ["postgres", "redis", "redpanda", "minio"];

describe("dev dependency profile (values-dev-deps.yaml)", () => {
  let dev: K8sObject[] = [];
  let devText = "";
  beforeAll(async () => {
    devText = await helmTemplate({ "networkPolicy.enabled": "true" }, "xtream", [devProfile]);
    dev = parseManifests(devText);
  }, toolTimeout);

  it("passes helm lint --strict and kubeconform", async () => {
    await expect(helmLint({ "networkPolicy.enabled": "true" }, [devProfile])).resolves.toContain("0 chart(s) failed");
    const result = await kubeconform(devText);
    expect(result.output).toMatch(/Invalid: 0, Errors: 0, Skipped: 0/);
    expect(result.ok, result.output).toBe(true);
  }, toolTimeout);

  it("is off by default: production values render no StatefulSet and no set-up Job", () => {
    for (const doc of [defaults, allOn]) {
      expect(objectsOf(doc, "StatefulSet")).toEqual([]);
      expect(objectsOf(doc, "Job").map((job) => job.metadata.name)).not.toContain("xtream-dev-setup");
    }
  });

  it("runs PostgreSQL, Redis, Redpanda and MinIO with pinned images, credentials only from the existing Secret", () => {
    for (const name of devDependencyNames) {
      const set = findObject(dev, "StatefulSet", `xtream-${name}`);
      findObject(dev, "Service", `xtream-${name}`);
      for (const container of containersOf(set)) {
        expect(container.image, name).toMatch(/:[^:]*\d[^:]*$/);
        expect(container.image, name).not.toMatch(/:latest$/);
        for (const [variable, entry] of envOf(container)) {
          if (/PASSWORD|ROOT_USER|SECRET/.test(variable)) expect(entry.valueFrom?.secretKeyRef?.name, `${name} ${variable}`).toBe("xtream-dev-deps");
        }
      }
    }
    expect(objectsOf(dev, "Secret")).toEqual([]);
    // The services read the same Secret and find the in-release dependencies.
    const upload = envOf(containersOf(findObject(dev, "Deployment", "xtream-upload"))[0]);
    expect(upload.get("DATABASE_URL")?.valueFrom?.secretKeyRef).toEqual({ name: "xtream-dev-deps", key: "database-url" });
    expect(upload.get("MINIO_ACCESS_KEY")?.valueFrom?.secretKeyRef).toEqual({ name: "xtream-dev-deps", key: "access-key" });
    // The public edge reads MinIO as the read-only user the set-up Job creates.
    const playback = envOf(containersOf(findObject(dev, "Deployment", "xtream-playback"))[0]);
    expect(playback.get("MINIO_ACCESS_KEY")?.valueFrom?.secretKeyRef).toEqual({ name: "xtream-dev-deps", key: "edge-access-key" });
    expect(playback.get("MINIO_SECRET_KEY")?.valueFrom?.secretKeyRef).toEqual({ name: "xtream-dev-deps", key: "edge-secret-key" });
    expect(upload.get("KAFKA_BROKERS")?.value).toBe("xtream-redpanda-0.xtream-redpanda.xtream.svc.cluster.local:9093");
    expect(upload.get("MINIO_ENDPOINT")?.value).toBe("http://xtream-minio.xtream.svc.cluster.local:9000");
  });

  it("creates both buckets and every topic with its partitions in a post-install/upgrade Job", () => {
    const job = findObject(dev, "Job", "xtream-dev-setup");
    expect((job.metadata as { annotations?: Record<string, string> }).annotations?.["helm.sh/hook"]).toBe("post-install,post-upgrade");
    const [topics, buckets] = containersOf(job) as unknown as [{ args?: string[] }, { args?: string[] }];
    const script = topics.args?.join("\n") ?? "";
    for (const [topic, partitions] of [["video.uploaded", 12], ["video.transcoded", 3], ["video.dead-letter", 1]] as const) {
      expect(script).toContain(`rpk topic create ${topic} -p ${String(partitions)} -r 1`);
    }
    expect(buckets.args?.join("\n")).toMatch(/mc mb --ignore-existing dev\/xtream-sources dev\/xtream-media/);
  });

  it("lets only the release's pods (and KEDA, when on) reach the dependencies when NetworkPolicies are on", async () => {
    const policy = findObject(dev, "NetworkPolicy", "xtream-dev-dependencies")["spec"] as { ingress: { from: { podSelector: unknown }[] }[] };
    expect(policy.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/instance": "xtream" } } }] }]);
    const catalogEgress = JSON.stringify(findObject(dev, "NetworkPolicy", "xtream-catalog")["spec"]);
    expect(catalogEgress).toContain('"app.kubernetes.io/name":"postgres"');
    // With KEDA on, its operator (namespace keda) may read the lag from Redpanda, and only that port.
    const withKeda = parseManifests(await helmTemplate({ "networkPolicy.enabled": "true", "keda.enabled": "true" }, "xtream", [devProfile]));
    const kedaRule = (findObject(withKeda, "NetworkPolicy", "xtream-dev-dependencies")["spec"] as { ingress: unknown[] }).ingress[1];
    expect(kedaRule).toEqual({ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "keda" } } }], ports: [{ port: 9093, protocol: "TCP" }] });
  });
});

describe("Ingress (NGINX)", () => {
  interface IngressSpec {
    ingressClassName: string;
    rules: { host: string; http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] } }[];
  }
  const ingress = (name: string) => {
    const object = findObject(allOn, "Ingress", name);
    return { annotations: (object.metadata as { annotations?: Record<string, string> }).annotations ?? {}, spec: object["spec"] as IngressSpec };
  };

  it("routes the app host to the gateway, the grpc host to it as gRPC, the media host to the edge, class nginx", () => {
    const routes = ["xtream-app", "xtream-grpc", "xtream-media"].map((name) => {
      const { spec } = ingress(name);
      expect(spec.ingressClassName).toBe("nginx");
      const [rule] = spec.rules;
      return [rule?.host, rule?.http.paths[0]?.backend.service.name, rule?.http.paths[0]?.backend.service.port.name];
    });
    expect(routes).toEqual([
      ["xtream.example.org", "xtream-gateway", "http"],
      ["grpc.example.org", "xtream-gateway", "http"],
      ["media.example.org", "xtream-playback", "http-edge"],
    ]);
    expect(ingress("xtream-grpc").annotations["nginx.ingress.kubernetes.io/backend-protocol"]).toBe("GRPC");
  });

  it("caches the edge's answers by their Cache-Control (immutable segments) on the media host only", () => {
    const media = ingress("xtream-media").annotations;
    expect(media["nginx.ingress.kubernetes.io/proxy-buffering"]).toBe("on");
    expect(media["nginx.ingress.kubernetes.io/configuration-snippet"]).toMatch(/proxy_cache xtream_media;/);
    // NGINX stores only what the upstream's Cache-Control allows: nothing overrides it.
    expect(media["nginx.ingress.kubernetes.io/configuration-snippet"]).not.toMatch(/proxy_ignore_headers|proxy_cache_valid/);
    expect(JSON.stringify(ingress("xtream-app").annotations)).not.toMatch(/proxy_cache/);
  });

  it("names TLS Secrets only", async () => {
    const text = await helmTemplate({ "ingress.enabled": "true", "ingress.tls[0].secretName": "xtream-tls", "ingress.tls[0].hosts[0]": "xtream.example.org" });
    const app = findObject(parseManifests(text), "Ingress", "xtream-app")["spec"] as { tls: unknown };
    expect(app.tls).toEqual([{ secretName: "xtream-tls", hosts: ["xtream.example.org"] }]);
    expect(objectsOf(parseManifests(text), "Secret")).toEqual([]);
  }, toolTimeout);
});

describe("scaling on the work", () => {
  it("scales the transcoder with KEDA on its group's lag on video.uploaded, bounded by its partitions, instead of a CPU HPA", async () => {
    const text = await helmTemplate({ "keda.enabled": "true", "autoscaling.enabled": "true" });
    const objects = parseManifests(text);
    const scaled = findObject(objects, "ScaledObject", "xtream-transcoder")["spec"] as {
      scaleTargetRef: { name: string };
      maxReplicaCount: number;
      triggers: { type: string; metadata: Record<string, string> }[];
    };
    expect(scaled.scaleTargetRef.name).toBe("xtream-transcoder");
    expect(scaled.maxReplicaCount).toBe(12);
    expect(scaled.triggers.map((trigger) => trigger.type)).toEqual(["kafka"]);
    expect(scaled.triggers[0]?.metadata).toMatchObject({
      consumerGroup: "xtream-transcoder",
      topic: "video.uploaded",
      allowIdleConsumers: "false",
      bootstrapServers: "redpanda.xtream-deps.svc.cluster.local:9093",
    });
    // KEDA owns the transcoder's HPA; the chart's CPU HPAs remain for the others (gateway, edge).
    const hpas = objectsOf(objects, "HorizontalPodAutoscaler").map((hpa) => hpa.metadata.name);
    expect(hpas).not.toContain("xtream-transcoder");
    expect(hpas).toEqual(expect.arrayContaining(["xtream-gateway", "xtream-playback"]));
    expect((findObject(objects, "Deployment", "xtream-transcoder")["spec"] as { replicas?: number }).replicas).toBeUndefined();
    const result = await kubeconform(text, ["ScaledObject"]);
    expect(result.ok, result.output).toBe(true);
  }, toolTimeout);

  it("refuses more transcoder replicas than video.uploaded has partitions, and renders no ScaledObject when off", async () => {
    await expect(helmTemplate({ "keda.enabled": "true", "keda.transcoder.maxReplicaCount": "13" })).rejects.toThrow(/exceeds the partitions of video.uploaded \(12\)/);
    await expect(helmTemplate({ "keda.enabled": "true", "keda.transcoder.maxReplicaCount": "16", "dependencies.kafka.topics.video\\.uploaded": "16" })).resolves.toContain("maxReplicaCount: 16");
    expect(objectsOf(defaults, "ScaledObject")).toEqual([]);
  }, toolTimeout);

  it("scales the gateway and the edge on CPU", () => {
    for (const name of ["xtream-gateway", "xtream-playback"]) {
      const spec = findObject(allOn, "HorizontalPodAutoscaler", name)["spec"] as { metrics: { resource: { name: string } }[] };
      expect(spec.metrics.map((metric) => metric.resource.name)).toEqual(["cpu"]);
    }
  });
});

describe("images", () => {
  it("lints the Dockerfile and the collector's Containerfile with hadolint (no builder here: base images need a container registry)", async () => {
    for (const file of [join(repoRoot, "Dockerfile"), join(repoRoot, "observability", "collector", "Containerfile")]) {
      const result = await hadolint(file);
      expect(result.ok, `${file}\n${result.output}`).toBe(true);
    }
    // The linter is on: an unpinned base image and a root user fail it.
    const bad = await hadolint("-", "FROM node:latest\nRUN cd /app && npm ci\nUSER root\n");
    expect(bad.ok).toBe(false);
    expect(bad.output).toMatch(/DL3007/);
    expect(bad.output).toMatch(/DL3002/);
  }, toolTimeout);
});
