import type { Kafka } from "kafkajs";

/**
 * Creates the topics unless they exist, waiting for their leaders. On a fresh
 * broker, subscribing to a topic nobody has written yet fails
 * (UNKNOWN_TOPIC_OR_PARTITION) instead of auto-creating it.
 */
export async function ensureTopics(kafka: Kafka, names: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: names.map((topic) => ({ topic })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
