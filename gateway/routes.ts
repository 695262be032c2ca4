import { ChannelService } from "../gen/xtream/catalog/v1/channel_service_pb.js";
import { PlaylistService } from "../gen/xtream/catalog/v1/playlist_service_pb.js";
import { SearchService } from "../gen/xtream/catalog/v1/search_service_pb.js";
import { VideoService } from "../gen/xtream/catalog/v1/video_service_pb.js";
import { IdentityService } from "../gen/xtream/identity/v1/identity_service_pb.js";
import { PlaybackService } from "../gen/xtream/playback/v1/playback_service_pb.js";
import { UploadService } from "../gen/xtream/upload/v1/upload_service_pb.js";
import { decoratedBackend, type Backend } from "./server.ts";
import { withSessionCookies } from "./session-cookie.ts";

export interface BackendAddresses {
  identity: string;
  catalog: string;
  upload: string;
  playback: string;
}

/**
 * Every public service and the internal service that owns it. `serviceKey`
 * (INTERNAL_SERVICE_KEYS, the first) goes to identity, which believes the
 * client address the gateway forwards only on calls carrying it.
 */
export function platformBackends(addresses: BackendAddresses, serviceKey?: string): Backend[] {
  return [
    // The gateway keeps browsers' refresh tokens in an HttpOnly cookie (session-cookie.ts).
    // ListRevokedSessions is for the services' token verifiers only.
    { ...decoratedBackend(IdentityService, addresses.identity, withSessionCookies), internalMethods: ["ListRevokedSessions"], ...(serviceKey ? { serviceKey } : {}) },
    { service: ChannelService, address: addresses.catalog },
    // Only the upload service creates videos (catalog also refuses callers without its service key).
    { service: VideoService, address: addresses.catalog, internalMethods: ["CreateVideo"] },
    { service: PlaylistService, address: addresses.catalog },
    { service: SearchService, address: addresses.catalog },
    // PutChunk carries up to 16 MiB (upload_service.proto); everything else is small.
    { service: UploadService, address: addresses.upload, readMaxBytes: 17 * 1024 * 1024 },
    { service: PlaybackService, address: addresses.playback },
  ];
}
