/**
 * The subject: the real catalog server (createCatalogServer) on a throwaway
 * database, seeded with one channel and a few dozen public, ready videos.
 * Prints {"port":…,"videoId":…} on its first line; drops the database on SIGTERM.
 */
import { createPgPool } from "../../lib/db/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { createTestDatabase, createTestTokens, TEST_SERVICE_KEY } from "../../lib/testing/index.ts";
import { createChannelStore } from "../../services/catalog/adapters/channel-store.ts";
import { createVideoStore } from "../../services/catalog/adapters/video-store.ts";
import { Visibility } from "../../services/catalog/domain/model.ts";
import { createCatalogServer, migrateCatalog } from "../../services/catalog/server.ts";

const database = await createTestDatabase("bench_catalog");
const pool = createPgPool(database.url, 10);
await migrateCatalog(pool);

const ownerId = "7d1a3c4e-0000-4000-8000-000000000001";
const channel = await createChannelStore({ pool }).create({ ownerId, handle: "bench_channel", title: "Bench", description: "" });
const videos = createVideoStore({ pool });
const topics = ["volcano eruption", "kubernetes tutorial", "cats playing piano", "sourdough bread", "mountain biking", "jazz guitar lesson"];
let videoId = "";
for (let index = 0; index < 60; index++) {
  const topic = topics[index % topics.length]!;
  const video = await videos.create({
    channelId: channel.id,
    ownerId,
    title: `${topic} part ${index}`,
    description: `An episode about ${topic}, recorded for the benchmark.`,
    tags: topic.split(" "),
    language: "en",
    visibility: Visibility.PUBLIC,
  });
  await videos.markReady(video.id, {
    durationMs: 60_000 + index * 1000,
    renditions: [{ name: "720p", width: 1280, height: 720, bandwidth: 2_800_000, codecs: "avc1.64001f,mp4a.40.2", playlistPath: "720p/index.m3u8" }],
    posterPath: "poster.jpg",
  });
  if (index === 0) videoId = video.id;
}

const tokens = await createTestTokens();
const server = createCatalogServer({ pool, verifier: tokens.verifier, serviceKeys: [TEST_SERVICE_KEY], logger: createLogger("catalog-bench", "warn"), cacheTtlMs: 60_000 });
const port = await server.listen("127.0.0.1", 0);
console.log(JSON.stringify({ port, videoId }));

process.on("SIGTERM", () => {
  void (async () => {
    await server.shutdown(2000);
    await pool.end();
    await database.drop();
    process.exit(0);
  })();
});
