import { readFileSync } from "node:fs";

/**
 * CPU time (user + system) a process has used so far, in ms, from /proc
 * (Linux clock ticks are 10 ms). Benches read it around a load run to get a
 * server's CPU per request, which stays meaningful when the load generator,
 * not the server, is what runs out of CPU first.
 */
export function processCpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  return cpuFields(`/proc/${pid}/stat`, 11);
}

/** CPU time of this process's children that have been waited for (ghz, wrk runs), in ms. */
export function waitedChildrenCpuMs(): number {
  return cpuFields("/proc/self/stat", 13);
}

/** Fields utime+stime (from 11) or cutime+cstime (from 13), counted after the command name. */
function cpuFields(path: string, from: number): number {
  const stat = readFileSync(path, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[from]) + Number(fields[from + 1])) * 10;
}
