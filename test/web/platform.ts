// The whole platform for the browser journeys: every service and the gateway
// as child processes (the same `node --import ./lib/telemetry/register.ts
// main.ts` that ./dev.sh up runs), on ports of their own so a running
// `./dev.sh up` is left alone, against the real stack ./dev.sh test started.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { portOpen } from "../../lib/testing/index.ts";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");
const SERVICES = ["identity", "catalog", "upload", "transcoder", "playback"] as const;

/** A running platform. */
export interface Platform {
  /** The gateway: serves the app at / and the API. */
  url: string;
  /** The HLS edge. */
  edgeUrl: string;
  /** Folder of the services' logs (read them when a journey fails). */
  logDir: string;
  /** The processes by name (identity, catalog, upload, transcoder, playback, gateway): alive, pid for /proc. */
  processes: Record<string, ChildProcess>;
  /** Starts the named process again (after it died or was killed) and waits until it listens; replaces it in `processes`. */
  restart(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Options of the platform under test. */
export interface PlatformOptions {
  /** Added to every default port (8080, 50051, …). */
  portOffset: number;
  /** Access token lifetime, short to exercise renewal. */
  accessTokenTtlSeconds?: number;
}

/** Starts identity, catalog, upload, transcoder, playback and the gateway; resolves once all listen. */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const o = options.portOffset;
  const ports = {
    gateway: 8080 + o,
    identity: 50051 + o,
    catalog: 50052 + o,
    upload: 50053 + o,
    transcoder: 50054 + o,
    playbackGrpc: 50055 + o,
    playbackHttp: 8081 + o,
  };
  const edgeUrl = `http://127.0.0.1:${ports.playbackHttp}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XTREAM_GATEWAY_PORT: String(ports.gateway),
    IDENTITY_GRPC_PORT: String(ports.identity),
    CATALOG_GRPC_PORT: String(ports.catalog),
    UPLOAD_GRPC_PORT: String(ports.upload),
    TRANSCODER_HEALTH_PORT: String(ports.transcoder),
    PLAYBACK_GRPC_PORT: String(ports.playbackGrpc),
    PLAYBACK_HTTP_PORT: String(ports.playbackHttp),
    IDENTITY_ADDR: `127.0.0.1:${ports.identity}`,
    CATALOG_ADDR: `127.0.0.1:${ports.catalog}`,
    UPLOAD_ADDR: `127.0.0.1:${ports.upload}`,
    PLAYBACK_ADDR: `127.0.0.1:${ports.playbackGrpc}`,
    PLAYBACK_PUBLIC_URL: edgeUrl,
    // The smallest chunk the storage allows, so a test clip spans several.
    UPLOAD_CHUNK_SIZE_BYTES: String(5 * 1024 * 1024),
    // Every test client comes from 127.0.0.1, and the per-address counters live in the shared
    // Redis: limits sized for one person, counting other test files' and the soak's sign-ins,
    // refused the seed test's. Raised as scripts/stack/services.sh raises them for ./dev.sh up.
    IDENTITY_LOGIN_LIMIT_PER_ADDRESS: process.env["IDENTITY_LOGIN_LIMIT_PER_ADDRESS"] ?? "100000",
    IDENTITY_REGISTER_LIMIT_PER_ADDRESS: process.env["IDENTITY_REGISTER_LIMIT_PER_ADDRESS"] ?? "10000",
    GATEWAY_RATE_LIMIT: process.env["GATEWAY_RATE_LIMIT"] ?? "10000000",
    GATEWAY_ACCOUNT_RATE_LIMIT: process.env["GATEWAY_ACCOUNT_RATE_LIMIT"] ?? "10000000",
    GATEWAY_WEB_DIR: join(ROOT, "web", "dist"),
    ...(options.accessTokenTtlSeconds ? { IDENTITY_ACCESS_TOKEN_TTL_SECONDS: String(options.accessTokenTtlSeconds) } : {}),
  };
  for (const name of ["GATEWAY_CORS_ORIGINS"]) delete env[name];
  const logDir = join(ROOT, ".stack", "logs", `web-e2e-${o}`);
  await mkdir(logDir, { recursive: true });

  const children: ChildProcess[] = [];
  const processes: Record<string, ChildProcess> = {};
  const run = (name: string, main: string) => {
    const log = createWriteStream(join(logDir, `${name}.log`), { flags: processes[name] ? "a" : "w" });
    // The edge reads MinIO as the read-only user, as under ./dev.sh up and in the chart.
    const own = name === "playback" ? { ...env, MINIO_ACCESS_KEY: process.env["EDGE_MINIO_ACCESS_KEY"], MINIO_SECRET_KEY: process.env["EDGE_MINIO_SECRET_KEY"] } : env;
    const child = spawn(process.execPath, ["--enable-source-maps", "--import", "./lib/telemetry/register.ts", main], { cwd: ROOT, env: own, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    children.push(child);
    processes[name] = child;
    return child;
  };
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
            child.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill("SIGTERM");
          }),
      ),
    );
  };

  try {
    for (const name of SERVICES) run(name, `services/${name}/main.ts`);
    run("gateway", "gateway/main.ts");
    await Promise.all(
      [ports.identity, ports.catalog, ports.upload, ports.transcoder, ports.playbackGrpc, ports.playbackHttp, ports.gateway].map((port) => waitForPort(port, children, logDir)),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const portsOf: Record<string, number[]> = {
    identity: [ports.identity],
    catalog: [ports.catalog],
    upload: [ports.upload],
    transcoder: [ports.transcoder],
    playback: [ports.playbackGrpc, ports.playbackHttp],
    gateway: [ports.gateway],
  };
  const restart = async (name: string) => {
    const old = processes[name];
    if (!old || !portsOf[name]) throw new Error(`no platform process named ${name}`);
    if (old.exitCode === null && old.signalCode === null) throw new Error(`${name} is still running`);
    children.splice(children.indexOf(old), 1);
    const child = run(name, name === "gateway" ? "gateway/main.ts" : `services/${name}/main.ts`);
    await Promise.all(portsOf[name].map((port) => waitForPort(port, [child], logDir)));
  };
  return { url: `http://127.0.0.1:${ports.gateway}`, edgeUrl, logDir, processes, restart, stop };
}

async function waitForPort(port: number, children: ChildProcess[], logDir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const dead = children.find((c) => c.exitCode !== null);
    if (dead) throw new Error(`a platform process exited early (code ${dead.exitCode}); see ${logDir}`);
    if (await portOpen(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within 60 s; see ${logDir}`);
}

