// Health probe for the local Kafka: exits 0 when the broker in KAFKA_BROKERS
// answers a metadata request. Used by scripts/stack/kafka.sh status.
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
try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  console.log(`kafka ok: ${cluster.brokers.length} broker(s), controller ${cluster.controller ?? "?"}`);
} catch (err) {
  console.error(`kafka unreachable: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await admin.disconnect().catch(() => undefined);
}
