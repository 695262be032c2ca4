// The edge's purge consumer does not miss events across a restart: its group
// is named after the instance (not the process) and its offsets are
// committed, so a video.deleted published while the edge was down is applied
// when it comes back. A brand-new instance starts at the end of the topic.
import { randomUUID } from "node:crypto";
import { afterAll, expect, it } from "vitest";
import { createEventProducer, topics } from "../../../lib/kafka/index.ts";
import { createLogger } from "../../../lib/logger.ts";
import { stackEnv } from "../../../lib/testing/index.ts";
import { createPurgeConsumer } from "./purge-consumer.ts";

const brokers = stackEnv().kafkaBrokers;
const producer = createEventProducer({ brokers, clientId: "playback-purge-restart-test" });
afterAll(() => producer.disconnect());

function startEdgeConsumer(instanceId: string, deleted: string[]) {
  return createPurgeConsumer({
    brokers,
    instanceId,
    cache: { purgeVideo: async () => undefined },
    access: { deleted: (videoId: string) => void deleted.push(videoId), visibilityChanged: () => undefined },
    logger: createLogger("purge-restart-test", "silent"),
  });
}

it("applies a deletion published while the edge was down, once it is back", { timeout: 120_000 }, async () => {
  const instance = `restart-${randomUUID()}`;
  const before = randomUUID();
  const during = randomUUID();
  const after = randomUUID();
  // Published before this instance ever ran: a new instance does not replay history.
  await producer.publish(topics.videoDeleted, before, { videoId: before, ownerId: "o", eventId: randomUUID() });

  const first: string[] = [];
  const running = startEdgeConsumer(instance, first);
  await running.start();
  await running.stop();
  await running.stopProducer();

  await producer.publish(topics.videoDeleted, during, { videoId: during, ownerId: "o", eventId: randomUUID() });

  const second: string[] = [];
  const restarted = startEdgeConsumer(instance, second);
  await restarted.start();
  try {
    await producer.publish(topics.videoDeleted, after, { videoId: after, ownerId: "o", eventId: randomUUID() });
    await expect.poll(() => second.includes(after), { timeout: 60_000 }).toBe(true);
    expect(second).toContain(during);
    expect([...first, ...second]).not.toContain(before);
  } finally {
    await restarted.stop();
    await restarted.stopProducer();
  }
});
