/**
 * Reads the repository's Dockerfile for test/deploy: its stages and their
 * instructions (line continuations joined, comments dropped), and the
 * .dockerignore patterns. Enough to check what goes into which image without
 * a container runtime (these machines have none).
 */
import { readFileSync } from "node:fs";
import { posix } from "node:path";

/** One instruction, for example `{ keyword: "COPY", args: "--from=web /app/web/dist ./web/dist" }`. */
export interface Instruction {
  keyword: string;
  args: string;
}

/** A build stage: `FROM <base> AS <name>` and what follows up to the next FROM. */
export interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

/** The stages of a Dockerfile, in order (an unnamed stage is named by its index). */
export function parseDockerfile(text: string): Stage[] {
  const lines: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!pending && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    lines.push(pending + line);
    pending = "";
  }
  const stages: Stage[] = [];
  for (const line of lines) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    if (keyword.toUpperCase() === "FROM") {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ base: match?.[1] ?? args, name: match?.[2] ?? String(stages.length), instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile: ${keyword} before the first FROM`);
      stage.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

/** The stage a target builds on, then the target itself (its FROM chain through other stages). */
export function stageChain(stages: Stage[], target: string): Stage[] {
  const chain: Stage[] = [];
  let current = stages.find((stage) => stage.name === target);
  while (current) {
    chain.unshift(current);
    const base = current.base;
    current = stages.find((stage) => stage.name === base);
  }
  if (chain.length === 0) throw new Error(`Dockerfile has no stage ${target}`);
  return chain;
}

/** A COPY --from=<stage>: where from and to (the destination resolved against the WORKDIR in force). */
export interface StageCopy {
  from: string;
  source: string;
  destination: string;
}

/** Every COPY --from in a chain of stages, destinations made absolute. */
export function copiesFromStages(chain: Stage[]): StageCopy[] {
  let workdir = "/";
  const copies: StageCopy[] = [];
  for (const stage of chain) {
    for (const { keyword, args } of stage.instructions) {
      if (keyword === "WORKDIR") workdir = posix.resolve(workdir, args);
      if (keyword !== "COPY") continue;
      const from = /--from=(\S+)/.exec(args)?.[1];
      if (!from) continue;
      const paths = args.split(/\s+/).filter((part) => !part.startsWith("--"));
      const destination = paths.at(-1) ?? "";
      for (const source of paths.slice(0, -1)) copies.push({ from, source, destination: posix.resolve(workdir, destination) });
    }
  }
  return copies;
}

/** The build-context paths a stage COPYs in (not from other stages). */
export function contextCopies(stage: Stage): string[] {
  return stage.instructions
    .filter(({ keyword, args }) => keyword === "COPY" && !args.includes("--from="))
    .flatMap(({ args }) => args.split(/\s+/).filter((part) => !part.startsWith("--")).slice(0, -1));
}

/** .dockerignore's patterns (comments and blank lines dropped). */
export function readDockerignore(path: string): string[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
}
