// What the soak samples, per process: resident memory and open file
// descriptors from /proc, V8 heap used and event-loop delay p99 from inside
// the process (the runtime-node instrumentation, lib/telemetry/sdk.ts),
// through VictoriaMetrics' query API. Series are matched to processes by the
// `process_pid` label the OpenTelemetry SDK's resource carries.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** A process the soak watches. */
export interface Watched {
  name: string;
  pid: number;
}

/** One process's figures at one moment; null where a figure could not be read. */
export interface ProcessSample {
  alive: boolean;
  /** When the process started (clock ticks since boot): a change means another process. */
  startTicks: number | null;
  rssMiB: number | null;
  fds: number | null;
  heapMiB: number | null;
  eldP99Ms: number | null;
}

const MIB = 2 ** 20;

/** The services `./dev.sh up` started: .stack/pids/svc-<name>.pid. */
export async function stackServices(pidDir: string): Promise<Watched[]> {
  const files = (await readdir(pidDir).catch(() => [] as string[])).filter((file) => /^svc-.+\.pid$/.test(file)).sort();
  const watched: Watched[] = [];
  for (const file of files) {
    const pid = Number((await readFile(join(pidDir, file), "utf8")).trim());
    if (Number.isInteger(pid) && pid > 0) watched.push({ name: file.slice(4, -4), pid });
  }
  return watched;
}

/**
 * RSS (VmRSS of /proc/<pid>/status), the count of /proc/<pid>/fd, and the
 * process's start time in clock ticks (/proc/<pid>/stat field 22, which tells
 * a restarted process or a reused pid apart); undefined when it is gone.
 */
export async function readProc(pid: number): Promise<{ rssMiB: number; fds: number; startTicks: number } | undefined> {
  try {
    const [status, stat] = await Promise.all([readFile(`/proc/${pid}/status`, "utf8"), readFile(`/proc/${pid}/stat`, "utf8")]);
    const rssKiB = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
    // Fields after the command name (which may hold spaces) start at field 3.
    const startTicks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[22 - 3]);
    const fds = (await readdir(`/proc/${pid}/fd`)).length;
    return { rssMiB: (rssKiB * 1024) / MIB, fds, startTicks };
  } catch {
    return undefined;
  }
}

interface VmVector {
  status: string;
  data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
  error?: string;
}

/** An instant PromQL/MetricsQL query; each series's value by its `process_pid`. */
export async function queryByPid(vmUrl: string, query: string): Promise<Map<number, number>> {
  const response = await fetch(`${vmUrl}/api/v1/query`, { method: "POST", body: new URLSearchParams({ query }), signal: AbortSignal.timeout(5000) });
  const body = (await response.json()) as VmVector;
  if (!response.ok || body.status !== "success") throw new Error(`VictoriaMetrics answered ${response.status}: ${body.error ?? "no data"}`);
  const values = new Map<number, number>();
  for (const series of body.data?.result ?? []) values.set(Number(series.metric["process_pid"]), Number(series.value[1]));
  return values;
}

/**
 * Heap used and event-loop delay p99 of the given processes. Heap is a floor
 * under the GC sawtooth: the sum over V8's heap spaces of each space's lowest
 * used size in the last `heapWindowSeconds` (what survives collection, where
 * a leak shows). The delay is the worst p99 the process exported in the last
 * `eldWindowSeconds` (each export covers the time since the one before).
 */
export async function runtimeFigures(vmUrl: string, pids: number[], options: { heapWindowSeconds: number; eldWindowSeconds: number }): Promise<Map<number, { heapMiB: number | null; eldP99Ms: number | null }>> {
  const selector = `{process_pid=~"${pids.join("|")}"}`;
  const [heap, eld] = await Promise.all([
    queryByPid(vmUrl, `sum by (process_pid) (min_over_time(v8js_memory_heap_used_bytes${selector}[${options.heapWindowSeconds}s]))`),
    queryByPid(vmUrl, `max by (process_pid) (max_over_time(nodejs_eventloop_delay_p99_seconds${selector}[${options.eldWindowSeconds}s]))`),
  ]);
  const figures = new Map<number, { heapMiB: number | null; eldP99Ms: number | null }>();
  for (const pid of pids) {
    const bytes = heap.get(pid);
    const seconds = eld.get(pid);
    figures.set(pid, { heapMiB: bytes === undefined ? null : bytes / MIB, eldP99Ms: seconds === undefined ? null : seconds * 1000 });
  }
  return figures;
}

/** Samples every watched process once; VictoriaMetrics' figures are null (with `vmError`) when it cannot answer. */
export async function sampleAll(vmUrl: string, watched: Watched[], options: { heapWindowSeconds: number; eldWindowSeconds: number }): Promise<{ samples: Map<string, ProcessSample>; vmError?: string }> {
  let runtime = new Map<number, { heapMiB: number | null; eldP99Ms: number | null }>();
  let vmError: string | undefined;
  const [procs] = await Promise.all([
    Promise.all(watched.map((w) => readProc(w.pid))),
    runtimeFigures(vmUrl, watched.map((w) => w.pid), options).then(
      (figures) => void (runtime = figures),
      (err: unknown) => void (vmError = err instanceof Error ? err.message : String(err)),
    ),
  ]);
  const samples = new Map<string, ProcessSample>();
  watched.forEach((w, index) => {
    const proc = procs[index];
    const figures = runtime.get(w.pid);
    samples.set(w.name, {
      alive: proc !== undefined,
      startTicks: proc?.startTicks ?? null,
      rssMiB: proc?.rssMiB ?? null,
      fds: proc?.fds ?? null,
      heapMiB: proc ? (figures?.heapMiB ?? null) : null,
      eldP99Ms: proc ? (figures?.eldP99Ms ?? null) : null,
    });
  });
  return { samples, ...(vmError ? { vmError } : {}) };
}
