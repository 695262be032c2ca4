import type { Kafka } from "kafkajs";

/**
 * Creates the topics unless they exist, waiting for their leaders. On a fresh
 * broker, subscribing to a topic nobody has written yet fails
 * (UNKNOWN_TOPIC_OR_PARTITION) instead of auto-creating it. `partitions`
 * sets how many a new topic gets (consumers of one group share them, so it
 * bounds how many work at once); an existing topic is left as it is.
 */
export async function ensureTopics(kafka: Kafka, names: string[], partitions?: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: names.map((topic) => (partitions ? { topic, numPartitions: partitions } : { topic })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
