/**
 * Edge cost in instructions (./dev.sh bench edge-instructions): the same
 * comparison as bench/edge (the playback edge with a hot memory cache against
 * a bare node:http server writing the same bytes from memory), counted in
 * user-space instructions per request under valgrind's callgrind instead of
 * timed. Instruction counts repeat between runs whatever else the machine is
 * doing, where requests per second on a shared two-core machine swing by
 * ±20%; use this to see what a change to the hot path costs, and bench/edge
 * for the throughput it gives. Kernel work (the socket writes) is not counted.
 *
 * Each server runs under callgrind; after an uninstrumented warm-up of every path (JIT tiers), each round
 * zeroes the counters, sends a fixed number of keep-alive requests with ab
 * (-c10) and dumps; the median of the rounds is reported per object size.
 * ratio_* = node's instructions / the edge's (≥ 1 means the edge does less).
 * The baseline sends the same response headers as the edge (node-baseline.ts).
 * Slow: a few minutes per server. Env: BENCH_ROUNDS (default 4),
 * BENCH_WARM_PASSES (default 6), BENCH_KEEP=1 keeps the callgrind dumps (one
 * per round, per server) for callgrind_annotate and says where.
 * Last line: {"playlist":{…},"small":{…},"big":{…},"playlist_ratio":…,"small_ratio":…,"big_ratio":…}
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startBenchDirectory } from "../edge/directory.ts";
import { mediaPlaylist } from "../edge/media-playlist.ts";
import { createMinioClient, ensureBucket } from "../../lib/storage/minio.ts";
import { freePort, stackEnv } from "../../lib/testing/index.ts";
import { processEnv } from "../../scripts/stack/process-profile.ts";
import { median } from "../lib/stats.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 4);
const WARM_PASSES = Number(process.env["BENCH_WARM_PASSES"] ?? 6);
const run = promisify(execFile);
const children: ChildProcess[] = [];
const log = (message: string) => console.log(`[bench edge-instructions] ${message}`);
process.on("exit", () => children.forEach((child) => child.kill("SIGKILL")));

/** Requests per round: enough that per-request cost dominates, few enough for valgrind's pace. */
const FILES = {
  playlist: { rel: "720p/index.m3u8", requests: 5000 },
  small: { rel: "720p/seg_00001.ts", requests: 1000 },
  big: { rel: "720p/seg_00000.ts", requests: 300 },
} as const;
type FileName = keyof typeof FILES;


/** Starts `node args…` under callgrind with collection on; returns the child and its dump-file prefix. */
function underCallgrind(name: string, work: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; prefix: string } {
  const prefix = join(work, `callgrind.${name}`);
  // Instrumentation starts off (valgrind runs several times faster without it), so the warm-up can be long.
  const child = spawn("valgrind", ["--tool=callgrind", "--smc-check=all-non-file", "--instr-atstart=no", `--callgrind-out-file=${prefix}`, process.execPath, ...args], {
    cwd: ROOT,
    env,
    stdio: "ignore",
  });
  children.push(child);
  return { child, prefix };
}

async function waitUp(url: string, child: ChildProcess): Promise<void> {
  // Node and the edge's module graph start slowly under valgrind (a minute or two).
  const deadline = Date.now() + 600_000;
  let next = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > next) {
      log(`… still starting under valgrind (${url})`);
      next += 30_000;
    }
    await sleep(500);
  }
  throw new Error(`${url} did not come up under valgrind`);
}

/** Instructions per request for one file: median over the rounds. */
async function measure(pid: number, prefix: string, url: string, requests: number): Promise<number> {
  const perRequest: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await run("callgrind_control", ["-z", String(pid)]);
    await run("ab", ["-q", "-k", "-n", String(requests), "-c", "10", url]);
    await run("callgrind_control", ["-d", String(pid)]);
    await sleep(300);
    const base = prefix.slice(prefix.lastIndexOf("/") + 1);
    const dumps = readdirSync(dirname(prefix))
      .filter((file) => file.startsWith(`${base}.`))
      .sort((a, b) => Number(a.split(".").pop()) - Number(b.split(".").pop()));
    const text = readFileSync(join(dirname(prefix), dumps.at(-1) as string), "utf8");
    perRequest.push(Number(/^summary: (\d+)/m.exec(text)?.[1]) / requests);
  }
  return Math.round(median(perRequest));
}

async function main() {
  for (const tool of ["valgrind", "ab"]) execFileSync("bash", [join(ROOT, "scripts/stack/install-tool.sh"), tool], { stdio: "inherit" });
  const env = stackEnv();
  const work = mkdtempSync(join(tmpdir(), "xtream-bench-edge-instr-"));
  const www = join(work, "www");
  const videoId = randomUUID();
  const bodies: Record<FileName, Buffer> = {
    playlist: Buffer.from(mediaPlaylist(120)),
    small: randomBytes(400_000),
    big: randomBytes(1_300_000),
  };
  const minio = createMinioClient({ endpoint: env.minioEndpoint, accessKey: env.minioAccessKey, secretKey: env.minioSecretKey });
  await ensureBucket(minio, env.minioMediaBucket);
  for (const name of Object.keys(FILES) as FileName[]) {
    const path = join(www, "v", videoId, FILES[name].rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bodies[name]);
    await minio.putObject(env.minioMediaBucket, `videos/${videoId}/${FILES[name].rel}`, bodies[name]);
  }
  const directory = await startBenchDirectory([videoId]);
  const results: Record<FileName, { node: number; edge: number }> = { playlist: { node: 0, edge: 0 }, small: { node: 0, edge: 0 }, big: { node: 0, edge: 0 } };

  const [nodePort, edgePort, edgeGrpc] = [await freePort(), await freePort(), await freePort()];
  const servers = [
    { name: "node" as const, port: nodePort, args: [join(ROOT, "bench/edge/node-baseline.ts"), String(nodePort), www], env: process.env },
    {
      name: "edge" as const,
      port: edgePort,
      // As bench/edge starts it (through playback's runtime, as deployed): tracing at its default
      // sampling, no HTTP instrumentation. The visibility answer is refreshed from the catalog every
      // TTL: a fixed cost per second, not per request. Under valgrind a request takes ~100× longer,
      // so with the default 10 s that background work (a gRPC call, sometimes a new connection) was
      // counted as ~60k instructions per segment request. An hour keeps it out of the rounds.
      args: ["--import", "./lib/telemetry/register.ts", "bench/edge/edge-server.ts", String(edgePort), String(edgeGrpc), directory.address, String(256 * 1024 * 1024), "3600000"],
      env: { ...process.env, OTEL_SERVICE_NAME: "xtream-playback", ...processEnv("playback") },
    },
  ];
  for (const server of servers) {
    log(`starting ${server.name} under callgrind…`);
    const { child, prefix } = underCallgrind(server.name, work, server.args, server.env);
    const url = (rel: string) => `http://127.0.0.1:${server.port}/v/${videoId}/${rel}`;
    await waitUp(url(FILES.playlist.rel), child);
    // Warm every path, interleaved, before counting: V8 compiles hot code on
    // helper threads, and callgrind counts those too. With two passes the
    // edge was still recompiling after each switch of object size (rounds
    // 50–100% high, one after another); WARM_PASSES (default 6) of them,
    // uninstrumented, leave the rounds repeatable.
    for (let pass = 0; pass < WARM_PASSES; pass++) {
      for (const name of Object.keys(FILES) as FileName[]) {
        await run("ab", ["-q", "-k", "-n", String(Math.max(1000, FILES[name].requests * 2)), "-c", "10", url(FILES[name].rel)]);
      }
    }
    await run("callgrind_control", ["--instr=on", String(child.pid)]);
    for (const name of Object.keys(FILES) as FileName[]) {
      results[name][server.name] = await measure(child.pid as number, prefix, url(FILES[name].rel), FILES[name].requests);
      log(`${server.name.padEnd(4)} ${name.padEnd(8)} ${(results[name][server.name] / 1000).toFixed(1)}k instructions/request`);
    }
    child.kill("SIGKILL");
  }
  await directory.close();
  await minio.removeObjects(
    env.minioMediaBucket,
    Object.values(FILES).map((file) => `videos/${videoId}/${file.rel}`),
  );
  if (process.env["BENCH_KEEP"] === "1") log(`callgrind dumps kept in ${work} (callgrind.<server>.<n>, in round order: playlist, small, big)`);
  else rmSync(work, { recursive: true, force: true });

  const ratio = (name: FileName) => Number((results[name].node / results[name].edge).toFixed(3));
  console.log("\ninstructions per request (median of rounds), node/edge:");
  for (const name of Object.keys(FILES) as FileName[]) {
    console.log(`  ${name.padEnd(8)} node ${results[name].node}  edge ${results[name].edge}  ratio ${ratio(name)}`);
  }
  console.log(JSON.stringify({ ...results, playlist_ratio: ratio("playlist"), small_ratio: ratio("small"), big_ratio: ratio("big"), rounds: ROUNDS }));
  process.exit(0);
}


main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
