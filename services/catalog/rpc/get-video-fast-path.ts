import type * as grpc from "@grpc/grpc-js";
import { optionalCaller } from "../../../lib/auth/index.ts";
import { toConnectError, toGrpcStatus, validateRequest } from "../../../lib/grpc/index.ts";
import { grpcMethodDefinition } from "../../../lib/grpc/service-definition.ts";
import { GetVideoRequestSchema, VideoService, type GetVideoRequest, type GetVideoResponse } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { readableVideo } from "../domain/access.ts";
import { Visibility } from "../domain/model.ts";
import { isUuid } from "../domain/page-token.ts";
import type { Logger } from "../../../lib/logger.ts";
import type { CatalogDeps } from "./deps.ts";

/**
 * GetVideo is the platform's hottest read (the edge asks it for every
 * playback decision), so it is served by a lean grpc-js handler instead of
 * the generic connect-es adapter: same validation (protovalidate), same access
 * rules (readableVideo), same error mapping (lib/grpc/status.ts), but no
 * per-call HandlerContext, and a cache hit for an anonymous caller of a
 * public or unlisted video is answered synchronously with bytes encoded once.
 * It replaces the adapter's registration of the same method on `server`.
 */
export function installGetVideoFastPath(server: grpc.Server, deps: Pick<CatalogDeps, "videoCache" | "verifier"> & { logger: Logger }): void {
  const definition = grpcMethodDefinition(VideoService.method.getVideo);
  // GetVideoRequest's only rule is video_id = UUID: a well-formed id needs no
  // rule evaluation; anything else goes through protovalidate for its exact
  // message. Should the request ever gain fields or rules, validate them all.
  const onlyUuidRule = GetVideoRequestSchema.fields.length === 1 && GetVideoRequestSchema.fields[0]?.localName === "videoId";
  const validate = (request: GetVideoRequest) => {
    if (!onlyUuidRule || !isUuid(request.videoId)) validateRequest(GetVideoRequestSchema, request);
  };
  const fail = (err: unknown): Partial<grpc.StatusObject> => {
    const { error, internal } = toConnectError(err);
    if (internal) deps.logger.error({ err, rpc: "xtream.catalog.v1.VideoService/GetVideo" }, "rpc failed");
    return toGrpcStatus(error);
  };

  const handler = (call: grpc.ServerUnaryCall<GetVideoRequest, GetVideoResponse>, callback: grpc.sendUnaryData<GetVideoResponse>) => {
    const request = call.request;
    const authorization = call.metadata.get("authorization")[0];
    try {
      validate(request);
      if (authorization === undefined) {
        const hit = deps.videoCache.peek(request.videoId);
        if (hit && hit.video.visibility !== Visibility.PRIVATE) {
          callback(null, hit.response);
          return;
        }
      }
    } catch (err) {
      callback(fail(err));
      return;
    }
    void (async () => {
      try {
        const requestHeader = new Headers();
        if (authorization !== undefined) requestHeader.set("authorization", authorization.toString());
        const caller = await optionalCaller({ requestHeader }, deps.verifier);
        const entry = await deps.videoCache.load(request.videoId);
        readableVideo(entry?.video, caller?.userId);
        callback(null, entry!.response);
      } catch (err) {
        callback(fail(err));
      }
    })();
  };

  server.unregister(definition.path);
  const registered = server.register(
    definition.path,
    handler as grpc.handleUnaryCall<unknown, unknown>,
    definition.responseSerialize,
    definition.requestDeserialize,
    "unary",
  );
  if (!registered) throw new Error(`could not register ${definition.path}`);
}
