// The one place services' ports and process flags come from: k8s/xtream/values.yaml.
// The chart renders them; the local stack (scripts/stack/env.sh, services.sh) and the
// benches read them here, so a service listens and runs the same way everywhere.
//   node scripts/stack/process-profile.ts env <service>  → shell `export` lines
//   node scripts/stack/process-profile.ts ports          → "VARIABLE port" lines
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const VALUES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "k8s", "xtream", "values.yaml");

interface ServiceValues {
  ports?: { containerPort: number; env?: string }[];
  processEnv?: Record<string, string>;
}

function services(): Record<string, ServiceValues> {
  const values = parse(readFileSync(VALUES, "utf8")) as { services: Record<string, ServiceValues> };
  return values.services;
}

/** The variables node or lib/telemetry read before a service's main.ts runs (NODE_OPTIONS, OTEL_NODE_DISABLED_INSTRUMENTATIONS). */
export function processEnv(service: string): Record<string, string> {
  const values = services()[service];
  if (!values) throw new Error(`no service ${service} in k8s/xtream/values.yaml`);
  return Object.fromEntries(Object.entries(values.processEnv ?? {}).map(([key, value]) => [key, String(value)]));
}

/** Each service port's variable and its default number (IDENTITY_GRPC_PORT → 50051). */
export function defaultPorts(): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const values of Object.values(services())) {
    for (const port of values.ports ?? []) if (port.env) ports[port.env] = port.containerPort;
  }
  return ports;
}

const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, service] = process.argv.slice(2);
  if (command === "env" && service) {
    for (const [key, value] of Object.entries(processEnv(service))) {
      // NODE_OPTIONS adds to what the caller set; the others keep a value the caller set (even empty).
      if (key === "NODE_OPTIONS") console.log(`export NODE_OPTIONS="\${NODE_OPTIONS:+$NODE_OPTIONS }"${shellQuote(value)}`);
      else console.log(`[ -n "\${${key}+set}" ] || export ${key}=${shellQuote(value)}`);
    }
  } else if (command === "ports") {
    for (const [key, port] of Object.entries(defaultPorts())) console.log(`${key} ${port}`);
  } else {
    console.error("usage: process-profile.ts env <service> | ports");
    process.exit(2);
  }
}
