import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelService } from "../../../gen/xtream/catalog/v1/channel_service_pb.js";
import { Visibility } from "../../../gen/xtream/catalog/v1/resources_pb.js";
import { VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { createServiceClient, forwardAuthorization } from "../../../lib/grpc/index.ts";
import { codeOf } from "../../../lib/testing/index.ts";
import { startCatalogHarness, type CatalogHarness } from "../testing.ts";

// GetVideo, the hottest read: anonymous cache hits are answered synchronously
// (rpc/video-handlers.ts); every other call goes through the token check.
describe("GetVideo", () => {
  let harness: CatalogHarness;
  beforeAll(async () => {
    harness = await startCatalogHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  it("applies visibility per caller, from the cache too", async () => {
    const owner = harness.newUser();
    const channelId = (await (await harness.client(ChannelService, owner)).createChannel({ handle: "get_video", title: "F" })).channel!.id;
    const mine = await harness.client(VideoService, owner);
    const stranger = await harness.client(VideoService, harness.newUser());
    const anonymous = await harness.client(VideoService);
    const open = (await mine.createVideo({ channelId, title: "Open", visibility: Visibility.PUBLIC })).video!.id;
    const secret = (await mine.createVideo({ channelId, title: "Secret" })).video!.id;
    for (let round = 0; round < 2; round++) {
      // Second round: served from the cache.
      expect((await anonymous.getVideo({ videoId: open })).video?.title).toBe("Open");
      expect((await stranger.getVideo({ videoId: open })).video?.title).toBe("Open");
      expect((await mine.getVideo({ videoId: secret })).video?.title).toBe("Secret");
      expect(await codeOf(anonymous.getVideo({ videoId: secret }))).toBe(Code.NotFound);
      expect(await codeOf(stranger.getVideo({ videoId: secret }))).toBe(Code.NotFound);
    }
    await mine.updateVideo({ video: { id: open, title: "Renamed" }, updateMask: { paths: ["title"] } });
    expect((await anonymous.getVideo({ videoId: open })).video?.title).toBe("Renamed");
    expect(await codeOf(anonymous.getVideo({ videoId: "nope" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(anonymous.getVideo({ videoId: "00000000-0000-4000-8000-000000000000" }))).toBe(Code.NotFound);
    const forged = createServiceClient(VideoService, {
      address: harness.address,
      interceptors: [forwardAuthorization("Bearer not.a.token")],
    });
    expect(await codeOf(forged.getVideo({ videoId: open }))).toBe(Code.Unauthenticated);
  });
});
