/**
 * The subject: the real catalog (startCatalogHarness, through its runtime)
 * on a throwaway database, seeded through its public interfaces with one
 * channel and a few dozen public videos, turned READY by video.transcoded
 * events as the pipeline would. Prints {"port":…,"videoId":…} on its first
 * line; drops the database on SIGTERM.
 */
import { ChannelService } from "../../gen/xtream/catalog/v1/channel_service_pb.js";
import { Visibility } from "../../gen/xtream/catalog/v1/resources_pb.js";
import { VideoService } from "../../gen/xtream/catalog/v1/video_service_pb.js";
import { startCatalogHarness } from "../../services/catalog/testing.ts";

const catalog = await startCatalogHarness({ events: true, server: { cacheTtlMs: 60_000 } });
const owner = catalog.newUser();
const { channel } = await (await catalog.client(ChannelService, owner)).createChannel({ handle: "bench_channel", title: "Bench" });
const videos = await catalog.client(VideoService, owner);
const topics = ["volcano eruption", "kubernetes tutorial", "cats playing piano", "sourdough bread", "mountain biking", "jazz guitar lesson"];
let videoId = "";
for (let index = 0; index < 60; index++) {
  const topic = topics[index % topics.length]!;
  const { video } = await videos.createVideo({
    channelId: channel!.id,
    title: `${topic} part ${index}`,
    description: `An episode about ${topic}, recorded for the benchmark.`,
    tags: topic.split(" "),
    language: "en",
    visibility: Visibility.PUBLIC,
  });
  await catalog.markReady(video!.id, {
    durationMs: 60_000 + index * 1000,
    renditions: [{ name: "720p", width: 1280, height: 720, bandwidth: 2_800_000, codecs: "avc1.64001f,mp4a.40.2", playlistPath: "720p/index.m3u8" }],
  });
  if (index === 0) videoId = video!.id;
}

const port = Number(catalog.address.split(":").at(-1));
console.log(JSON.stringify({ port, videoId }));

process.on("SIGTERM", () => {
  void (async () => {
    await catalog.close();
    process.exit(0);
  })();
});
