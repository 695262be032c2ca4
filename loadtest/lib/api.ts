// Clients of the public API, through the gateway, as any outside program would use it.
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ChannelService } from "../../gen/xtream/catalog/v1/channel_service_pb.js";
import { VideoService } from "../../gen/xtream/catalog/v1/video_service_pb.js";
import { IdentityService } from "../../gen/xtream/identity/v1/identity_service_pb.js";
import { UploadService } from "../../gen/xtream/upload/v1/upload_service_pb.js";

/** The public services the load scenarios set up their data with. */
export interface PublicApi {
  identity: Client<typeof IdentityService>;
  channels: Client<typeof ChannelService>;
  videos: Client<typeof VideoService>;
  uploads: Client<typeof UploadService>;
}

/** Connect (binary protobuf over HTTP/1.1) clients of the gateway at baseUrl. */
export function createPublicApi(baseUrl: string): PublicApi {
  const transport = createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true });
  return {
    identity: createClient(IdentityService, transport),
    channels: createClient(ChannelService, transport),
    videos: createClient(VideoService, transport),
    uploads: createClient(UploadService, transport),
  };
}

/** Call options carrying a bearer token. */
export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
