import { randomUUID } from "node:crypto";
import { Code, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChannelService } from "../gen/xtream/catalog/v1/channel_service_pb.js";
import { VideoService } from "../gen/xtream/catalog/v1/video_service_pb.js";
import { IdentityService } from "../gen/xtream/identity/v1/identity_service_pb.js";
import { SERVICE_KEY_HEADER } from "../lib/auth/index.ts";
import { createServiceClient, forwardAuthorization } from "../lib/grpc/index.ts";
import { createLogger } from "../lib/logger.ts";
import { codeOf, createTestTokens, failureOf, TEST_SERVICE_KEY } from "../lib/testing/index.ts";
import { startCatalogHarness, type CatalogHarness } from "../services/catalog/testing.ts";
import { platformBackends } from "./routes.ts";
import { startGateway, type RunningGateway } from "./runtime.ts";

// CreateVideo is internal: only the upload service creates videos, for an
// upload it opens. Checked through the gateway's real routes to a real catalog.
const logger = createLogger("gateway-internal-test", "silent");
let catalog: CatalogHarness;
let gateway: RunningGateway;
let misrouted: RunningGateway;
let url: string;
let misroutedUrl: string;
let authorization: string;
let channelId: string;

beforeAll(async () => {
  const tokens = await createTestTokens();
  catalog = await startCatalogHarness({ verifier: tokens.verifier });
  const unused = "127.0.0.1:1";
  const backends = platformBackends({ identity: unused, catalog: catalog.address, upload: unused, playback: unused });
  gateway = await startGateway({ port: 0, backends, logger, verifier: tokens.verifier });
  url = gateway.url;
  // The same routes with CreateVideo routed by mistake.
  misrouted = await startGateway({ port: 0, backends: backends.map(({ internalMethods: _internal, ...backend }) => backend), logger, verifier: tokens.verifier });
  misroutedUrl = misrouted.url;
  const userId = randomUUID();
  authorization = `Bearer ${await tokens.tokenFor({ userId, handle: `u${userId.slice(0, 8)}` })}`;
  const channels = createClient(ChannelService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
  const { channel } = await channels.createChannel({ handle: `c${randomUUID().replace(/-/g, "").slice(0, 20)}`, title: "Mine" }, { headers: { authorization } });
  channelId = channel!.id;
});

afterAll(async () => {
  await gateway?.stop(500);
  await misrouted?.stop(500);
  await catalog?.close();
});

const protocols: [string, (url: string) => Transport][] = [
  ["Connect", (base) => createConnectTransport({ baseUrl: base, httpVersion: "1.1" })],
  ["gRPC-Web", (base) => createGrpcWebTransport({ baseUrl: base, httpVersion: "1.1" })],
  ["gRPC (pass-through path)", (base) => createGrpcTransport({ baseUrl: base })],
];

describe.each(protocols)("VideoService.CreateVideo over %s", (_name, transport) => {
  it("is not routed by the gateway (UNIMPLEMENTED), while the rest of VideoService is", async () => {
    const videos = createClient(VideoService, transport(url));
    // Even with the real service key in the request: the gateway never gets as far as forwarding.
    const headers = { authorization, [SERVICE_KEY_HEADER]: TEST_SERVICE_KEY };
    expect(await codeOf(videos.createVideo({ channelId, title: "sneaky" }, { headers }))).toBe(Code.Unimplemented);
    expect(await codeOf(videos.listVideos({ channelId }, { headers }))).toBeUndefined();
  });

  it("is refused by the catalog when routed by mistake, even with the service key in the request (the gateway never forwards it)", async () => {
    const videos = createClient(VideoService, transport(misroutedUrl));
    const error = await failureOf(videos.createVideo({ channelId, title: "sneaky" }, { headers: { authorization, [SERVICE_KEY_HEADER]: TEST_SERVICE_KEY } }));
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.rawMessage).toMatch(/StartUpload/);
    const { videos: listed } = await videos.listVideos({ channelId }, { headers: { authorization } });
    expect(listed).toEqual([]);
  });
});

describe("IdentityService.ListRevokedSessions", () => {
  it("is not routed by the gateway (it is for the services' token verifiers)", async () => {
    const identity = createClient(IdentityService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    expect(await codeOf(identity.listRevokedSessions({ after: 0n }))).toBe(Code.Unimplemented);
  });
});

describe("the catalog's CreateVideo, called directly", () => {
  it("refuses a caller without the service key or with a wrong one, and serves the upload service's key", async () => {
    const direct = createServiceClient(VideoService, { address: catalog.address, interceptors: [forwardAuthorization(authorization)] });
    expect(await codeOf(direct.createVideo({ channelId, title: "no key" }))).toBe(Code.PermissionDenied);
    expect(await codeOf(direct.createVideo({ channelId, title: "wrong key" }, { headers: { [SERVICE_KEY_HEADER]: "x".repeat(64) } }))).toBe(Code.PermissionDenied);
    const created = await direct.createVideo({ channelId, title: "from upload" }, { headers: { [SERVICE_KEY_HEADER]: TEST_SERVICE_KEY } });
    expect(created.video?.title).toBe("from upload");
  });
});
