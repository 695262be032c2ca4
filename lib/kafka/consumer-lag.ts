import type { Admin, Kafka } from "kafkajs";
import type { Logger } from "../logger.ts";
import { metricsExported, serviceMeter } from "../telemetry/metrics.ts";

const REFRESH_MS = 10_000;

/**
 * Consumer lag per group and topic, as the gauge `xtream.kafka.consumer.lag`
 * (records in the topic the group has not committed yet, summed over
 * partitions; a partition the group never committed counts from its first
 * record). An admin client refreshes it every 10 s in the background, so a
 * slow broker never holds up a metrics collection. Off unless metrics are
 * exported.
 */
export function observeConsumerLag(kafka: Kafka, groupId: string, topicNames: string[], logger: Logger): { stop(): Promise<void> } {
  if (!metricsExported()) return { stop: async () => undefined };
  const lag = new Map<string, number>();
  let admin: Admin | undefined;
  let stopped = false;
  const refresh = async () => {
    admin ??= kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId, topics: topicNames });
    for (const { topic, partitions } of committed) {
      const ends = await admin.fetchTopicOffsets(topic);
      let total = 0;
      for (const end of ends) {
        const offset = Number(partitions.find((partition) => partition.partition === end.partition)?.offset ?? -1);
        const from = offset >= 0 ? offset : Number(end.low);
        total += Math.max(0, Number(end.high) - from);
      }
      lag.set(topic, total);
    }
  };
  let warned = false;
  const tick = () =>
    void refresh().then(
      () => (warned = false),
      (err: unknown) => {
        if (!warned && !stopped) logger.warn({ err }, "could not read the consumer lag");
        warned = true;
      },
    );
  tick();
  const timer = setInterval(tick, REFRESH_MS);
  timer.unref();
  const gauge = serviceMeter("kafka").createObservableGauge("xtream.kafka.consumer.lag", {
    description: "Records not yet committed by the consumer group, per topic",
  });
  const observe = (result: { observe(value: number, attributes: Record<string, string>): void }) => {
    for (const [topic, value] of lag) result.observe(value, { group: groupId, topic });
  };
  gauge.addCallback(observe);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      gauge.removeCallback(observe);
      await admin?.disconnect().catch(() => undefined);
    },
  };
}
