/**
 * ./dev.sh redrive [--topic T] [--dry-run]: publishes dead-lettered records
 * again to the topics they came from (scripts/redrive/redrive.ts), printing a
 * line per record and a summary. Reads KAFKA_BROKERS (scripts/stack/env.sh).
 */
import { parseArgs } from "node:util";
import { redrive, redriveGroup } from "./redrive/redrive.ts";

const { values } = parseArgs({ options: { topic: { type: "string" }, "dry-run": { type: "boolean", default: false } } });
const brokers = (process.env["KAFKA_BROKERS"] ?? "127.0.0.1:9092").split(",");
const dryRun = values["dry-run"] ?? false;
const topic = values.topic;
console.log(`${dryRun ? "dry run: " : ""}re-driving video.dead-letter${topic ? ` (records from ${topic} only)` : ""}, group ${redriveGroup(topic)}, brokers ${brokers.join(",")}`);
try {
  const report = await redrive({ brokers, dryRun, ...(topic ? { topic } : {}), onRecord: (line) => console.log(`  ${line}`) });
  const verb = dryRun ? "would re-drive" : "re-drove";
  console.log(`${verb} ${report.redriven} record(s), skipped ${report.skipped}`);
  for (const [name, count] of Object.entries(report.byTopic)) console.log(`  from ${name || "(unknown topic)"}: ${count}`);
} catch (err) {
  console.error(`re-drive failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
