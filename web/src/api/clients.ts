import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { ChannelService } from "@gen/xtream/catalog/v1/channel_service_pb.js";
import { PlaylistService } from "@gen/xtream/catalog/v1/playlist_service_pb.js";
import { SearchService } from "@gen/xtream/catalog/v1/search_service_pb.js";
import { VideoService } from "@gen/xtream/catalog/v1/video_service_pb.js";
import { IdentityService } from "@gen/xtream/identity/v1/identity_service_pb.js";
import { PlaybackService } from "@gen/xtream/playback/v1/playback_service_pb.js";
import { UploadService } from "@gen/xtream/upload/v1/upload_service_pb.js";

/** Supplies the access token for a call; `force` asks for a fresh one after a refusal. */
export type AccessTokenSource = (force: boolean) => Promise<string | null>;

let tokenSource: AccessTokenSource = async () => null;

/** Tells the clients where access tokens come from (the session, once it exists). */
export function setAccessTokenSource(source: AccessTokenSource): void {
  tokenSource = source;
}

/**
 * Adds the bearer token. A unary call refused as Unauthenticated is retried
 * once with a freshly refreshed token (the token may have expired in flight).
 */
const auth: Interceptor = (next) => async (request) => {
  const token = await tokenSource(false);
  if (token) request.header.set("authorization", `Bearer ${token}`);
  try {
    return await next(request);
  } catch (err) {
    if (!token || request.stream || ConnectError.from(err).code !== Code.Unauthenticated) throw err;
    const fresh = await tokenSource(true);
    if (!fresh) throw err;
    request.header.set("authorization", `Bearer ${fresh}`);
    return await next(request);
  }
};

// Same origin as the app: the gateway serves both. Binary keeps PutChunk's bytes compact.
const transport = createConnectTransport({ baseUrl: location.origin, useBinaryFormat: true, interceptors: [auth] });
// Register, Login, Refresh and Logout carry no bearer token (and must not wait for one).
const sessionTransport = createConnectTransport({ baseUrl: location.origin, useBinaryFormat: true });

/** The API clients, created once. */
export const api = {
  identity: createClient(IdentityService, transport),
  session: createClient(IdentityService, sessionTransport),
  channels: createClient(ChannelService, transport),
  videos: createClient(VideoService, transport),
  search: createClient(SearchService, transport),
  playlists: createClient(PlaylistService, transport),
  playback: createClient(PlaybackService, transport),
  uploads: createClient(UploadService, transport),
};

/** Header that asks the gateway to keep the refresh token in an HttpOnly cookie. */
export const COOKIE_SESSION_HEADERS = { "x-xtream-session": "cookie" } as const;
