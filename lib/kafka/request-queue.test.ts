import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, expect, it } from "vitest";
import { stackEnv } from "../testing/index.ts";

// kafkajs 2.2.4 rescheduled its pending-request check every 1 ms on every
// connection, forever, even with nothing pending (tulios/kafkajs#1704):
// about 2% of a core per idle process. patches/kafkajs+2.2.4.patch stops it.
const require = createRequire(import.meta.url);
const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as { prototype: { checkPendingRequests: (this: unknown) => void } };

let checks = 0;
const original = RequestQueue.prototype.checkPendingRequests;
RequestQueue.prototype.checkPendingRequests = function (this: unknown) {
  checks++;
  original.call(this);
};
const kafka = new Kafka({ clientId: "request-queue-test", brokers: stackEnv().kafkaBrokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
afterAll(async () => {
  RequestQueue.prototype.checkPendingRequests = original;
  await admin.disconnect();
});

it("an idle connection does not keep polling its request queue", async () => {
  await admin.connect();
  await admin.listTopics();
  const before = checks;
  await sleep(1000);
  // Unpatched: about 700 a second (one 1 ms timer after another). Patched: none while idle.
  expect(checks - before).toBeLessThan(20);
});
