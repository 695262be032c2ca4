import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { processCpuMs, waitedChildrenCpuMs } from "./cpu.ts";

describe("bench CPU time", () => {
  it("counts this process's own CPU time, which grows while it computes", () => {
    const before = processCpuMs(process.pid);
    // Spins until this process has used 200 ms of CPU, however busy the machine is.
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 200_000) Math.sqrt(Math.random());
    const used = processCpuMs(process.pid) - before;
    // /proc counts in 10 ms ticks, and other threads of this process may add to it.
    expect(used).toBeGreaterThanOrEqual(150);
    expect(used).toBeLessThan(10_000);
  });

  it("counts a child's CPU time once the child has been waited for", () => {
    const before = waitedChildrenCpuMs();
    const child = spawnSync(process.execPath, ["-e", "const start = process.cpuUsage(); while (process.cpuUsage(start).user < 200_000);"]);
    expect(child.status).toBe(0);
    expect(waitedChildrenCpuMs() - before).toBeGreaterThanOrEqual(150);
  });

  it("gives NaN without a process", () => {
    expect(processCpuMs(undefined)).toBeNaN();
  });
});
