/**
 * The seed's clients for the public API: Connect (binary) over HTTP/1.1 to
 * the gateway, the same services and RPCs the web app calls, with the demo
 * user's access token added once signed in.
 */
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ChannelService } from "../../gen/xtream/catalog/v1/channel_service_pb.js";
import { PlaylistService } from "../../gen/xtream/catalog/v1/playlist_service_pb.js";
import { VideoService } from "../../gen/xtream/catalog/v1/video_service_pb.js";
import { IdentityService } from "../../gen/xtream/identity/v1/identity_service_pb.js";
import { UploadService } from "../../gen/xtream/upload/v1/upload_service_pb.js";

/** The clients the seed uses, and where the access token goes. */
export interface SeedApi {
  identity: Client<typeof IdentityService>;
  channels: Client<typeof ChannelService>;
  videos: Client<typeof VideoService>;
  playlists: Client<typeof PlaylistService>;
  uploads: Client<typeof UploadService>;
  /** Sets the bearer token sent with every later call. */
  setAccessToken(token: string): void;
}

/** Creates the clients for a gateway base URL, for example http://127.0.0.1:8080. */
export function createSeedApi(gatewayUrl: string): SeedApi {
  let accessToken = "";
  const auth: Interceptor = (next) => async (request) => {
    if (accessToken) request.header.set("authorization", `Bearer ${accessToken}`);
    return next(request);
  };
  const transport = createConnectTransport({ baseUrl: gatewayUrl, httpVersion: "1.1", useBinaryFormat: true, interceptors: [auth] });
  return {
    identity: createClient(IdentityService, transport),
    channels: createClient(ChannelService, transport),
    videos: createClient(VideoService, transport),
    playlists: createClient(PlaylistService, transport),
    uploads: createClient(UploadService, transport),
    setAccessToken(token) {
      accessToken = token;
    },
  };
}
