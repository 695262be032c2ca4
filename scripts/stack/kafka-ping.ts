// Health probe for the local Kafka: exits 0 when the broker in KAFKA_BROKERS
// answers a metadata request. Used by scripts/stack/kafka.sh.
// With --warm it also waits until the group coordinator answers: the first
// FindCoordinator creates __consumer_offsets, and until its partitions are
// loaded consumers fail with "coordinator not available/loading". Warming it at
// start-up keeps that noise (and its retries) out of the tests.
import { setTimeout as sleep } from "node:timers/promises";
import { Kafka, logLevel } from "kafkajs";

const brokers = process.env["KAFKA_BROKERS"];
if (!brokers) {
  console.error("KAFKA_BROKERS is not set");
  process.exit(2);
}
const kafka = new Kafka({
  clientId: "xtream-stack-probe",
  brokers: brokers.split(","),
  logLevel: logLevel.NOTHING,
  connectionTimeout: 2000,
  requestTimeout: 3000,
  retry: { retries: 0 },
});
const admin = kafka.admin();

async function warmCoordinator(): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 120; attempt++) {
    try {
      const { groups } = await admin.describeGroups(["xtream-stack-warmup"]);
      // errorCode is in the wire response but missing from kafkajs' types.
      const errorCode = (groups[0] as { errorCode?: number } | undefined)?.errorCode ?? 0;
      if (errorCode === 0) return;
      lastError = new Error(`describeGroups error code ${errorCode}`);
    } catch (err) {
      lastError = err;
    }
    await sleep(250);
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  if (process.argv.includes("--warm")) await warmCoordinator();
  console.log(`kafka ok: ${cluster.brokers.length} broker(s), controller ${cluster.controller ?? "?"}`);
} catch (err) {
  console.error(`kafka unreachable: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await admin.disconnect().catch(() => undefined);
}
