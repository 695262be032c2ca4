import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { Visibility } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { startCatalogHarness, type CatalogHarness } from "../testing.ts";

// WatchVideo streams are capped per caller and end after their maximum lifetime.
let harness: CatalogHarness;
let videoId: string;
let owner: string;

beforeAll(async () => {
  harness = await startCatalogHarness({ server: { watchStreamsPerCaller: 2, watchMaxLifetimeMs: 1500 } });
  owner = harness.newUser();
  const { channel } = await (await harness.client(ChannelService, owner)).createChannel({ handle: `watch_${Date.now().toString(36)}`, title: "W" });
  // UPLOADING and public: streams stay open (no terminal state) and anyone may watch.
  videoId = (await (await harness.client(VideoService, owner)).createVideo({ channelId: channel!.id, title: "watched", visibility: Visibility.PUBLIC })).video!.id;
});
afterAll(() => harness.close());

/** Opens a stream and waits for its first message; the controller cancels it. */
async function open(userId?: string) {
  const controller = new AbortController();
  const stream = (await harness.client(VideoService, userId)).watchVideo({ videoId }, { signal: controller.signal })[Symbol.asyncIterator]();
  const first = await stream.next().catch((err: unknown) => ConnectError.from(err));
  return { first, stream, close: () => controller.abort() };
}

describe("WatchVideo limits", () => {
  it("refuses a caller's stream over the limit with RESOURCE_EXHAUSTED naming it; others are not affected; closing one frees a slot", async () => {
    const a = [await open(owner), await open(owner)];
    for (const stream of a) expect(stream.first).not.toBeInstanceOf(ConnectError);
    const third = await open(owner);
    expect(third.first).toBeInstanceOf(ConnectError);
    expect((third.first as ConnectError).code).toBe(Code.ResourceExhausted);
    expect((third.first as ConnectError).rawMessage).toContain("concurrent WatchVideo streams limit reached: 2");
    const other = await open(harness.newUser());
    expect(other.first).not.toBeInstanceOf(ConnectError);
    // Anonymous callers are counted by address: two fit, a third does not.
    const anonymous = [await open(), await open()];
    expect((await open()).first).toBeInstanceOf(ConnectError);
    a[0]!.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = await open(owner);
    expect(again.first).not.toBeInstanceOf(ConnectError);
    for (const stream of [a[1]!, other, again, ...anonymous]) stream.close();
  });

  it("ends a stream after its maximum lifetime", async () => {
    const started = Date.now();
    const { first, stream } = await open(harness.newUser());
    expect(first).not.toBeInstanceOf(ConnectError);
    const next = await stream.next();
    expect(next.done).toBe(true);
    const lasted = Date.now() - started;
    expect(lasted).toBeGreaterThanOrEqual(1400);
    expect(lasted).toBeLessThan(5000);
  });
});
