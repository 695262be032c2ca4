import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Visibility } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { publishFixture, startTestEdge, startVideoDirectory, type TestEdge } from "../testing.ts";

// Redis stopped and restarted under the edge: no request fails, and caching
// resumes once Redis is back. The memory tier is off so every request needs Redis.
const run = promisify(execFile);
const redisScript = new URL("../../../scripts/stack/redis.sh", import.meta.url).pathname;
let directory: Awaited<ReturnType<typeof startVideoDirectory>>;
let edge: TestEdge;
const video = randomUUID();

beforeAll(async () => {
  directory = await startVideoDirectory();
  directory.videos.set(video, { visibility: Visibility.PUBLIC });
  await publishFixture(video);
  edge = await startTestEdge({ catalogAddress: directory.address, cache: { memoryMaxBytes: 0, prefetchCount: 0 } });
});

afterAll(async () => {
  await edge?.close();
  await directory?.close();
});

const fetchAll = async (files: string[]) => {
  const statuses = await Promise.all(files.map(async (file) => (await fetch(`${edge.baseUrl}/v/${video}/${file}`)).status));
  return statuses;
};

it("keeps serving from MinIO while Redis is down and caches again when it is back", { timeout: 60_000 }, async () => {
  const files = ["master.m3u8", "240p/index.m3u8", "240p/seg_00000.ts", "240p/seg_00001.ts", "360p/seg_00000.ts"];
  const stats = edge.server.stats;
  expect(await fetchAll(files)).toEqual(files.map(() => 200));
  expect(await fetchAll(files)).toEqual(files.map(() => 200));
  expect(stats.redisHits).toBeGreaterThanOrEqual(4);

  const statuses: number[] = [];
  try {
    await run("bash", [redisScript, "stop"]);
    await expect.poll(() => edge.redis.ready(), { timeout: 5000 }).toBe(false);
    const readsBefore = stats.originReads;
    for (let round = 0; round < 5; round++) statuses.push(...(await fetchAll(files)));
    expect(stats.originReads - readsBefore).toBeGreaterThanOrEqual(files.length * 5 - files.length);
    expect(stats.redisErrors).toBeGreaterThan(0);
  } finally {
    await run("bash", [redisScript, "start"]);
  }
  expect(statuses).toEqual(statuses.map(() => 200));

  // ioredis reconnects on its own; then the next miss is written and read back from Redis.
  await expect.poll(() => edge.redis.ready(), { timeout: 15_000, interval: 100 }).toBe(true);
  const hitsBefore = stats.redisHits;
  expect(await fetchAll(files)).toEqual(files.map(() => 200));
  await new Promise((resolve) => setTimeout(resolve, 100)); // the write to Redis is fire-and-forget
  expect(await fetchAll(files)).toEqual(files.map(() => 200));
  expect(stats.redisHits - hitsBefore).toBeGreaterThanOrEqual(files.length);
});
