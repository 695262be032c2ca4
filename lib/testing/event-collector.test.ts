import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { VideoUploadedSchema } from "../../gen/xtream/events/v1/video_events_pb.js";
import type { Topic } from "../kafka/topics.ts";
import { collectEvents, type EventCollector } from "./event-collector.ts";
import { stackEnv } from "./stack-env.ts";

const env = stackEnv();
const stops: EventCollector[] = [];
afterAll(() => Promise.all(stops.map((collector) => collector.stop())));

describe("collectEvents", () => {
  it("collects decoded records by key with their headers, skipping records that do not decode", async () => {
    const topic: Topic<typeof VideoUploadedSchema> = { name: `test.collector.${randomUUID()}`, schema: VideoUploadedSchema };
    const collector = await collectEvents(env.kafkaBrokers, [topic]);
    stops.push(collector);
    const kafka = new Kafka({ clientId: "collector-test", brokers: env.kafkaBrokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      const videoId = randomUUID();
      await producer.send({
        topic: topic.name,
        messages: [
          // Field 1 as a length-delimited value running past the end: not a VideoUploaded.
          { key: videoId, value: Buffer.from([0x0a, 0xff, 0x01]) },
          { key: videoId, value: Buffer.from(toBinary(VideoUploadedSchema, create(VideoUploadedSchema, { videoId, eventId: "e1" }))), headers: { traceparent: "00-abc" } },
        ],
      });
      const event = await collector.waitFor(topic, videoId, 20_000);
      expect(event.eventId).toBe("e1");
      expect(collector.records(topic, videoId)).toEqual([expect.objectContaining({ key: videoId, headers: { traceparent: "00-abc" } })]);
      expect(collector.events(topic, randomUUID())).toEqual([]);
    } finally {
      await producer.disconnect();
    }
  });
});
