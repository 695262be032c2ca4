import { Code, ConnectError } from "@connectrpc/connect";
import { VideoService } from "../../../gen/xtream/catalog/v1/video_service_pb.js";
import { sendServiceKey } from "../../../lib/auth/index.ts";
import { AppError, invalidArgument, notFound, permissionDenied, unauthenticated, unavailable } from "../../../lib/errors.ts";
import { createServiceClient } from "../../../lib/grpc/index.ts";
import type { VideoRegistry } from "../domain/index.ts";

export interface CatalogVideoRegistryOptions {
  /** host:port of the catalog service. */
  address: string;
  /** The upload service's credential for catalog's internal CreateVideo (INTERNAL_SERVICE_KEYS, the first). */
  serviceKey: string;
  /** Deadline of one CreateVideo call (default 10 s). */
  timeoutMs?: number;
}

/**
 * Creates videos through catalog's VideoService.CreateVideo, which only
 * internal services may call (the service key goes with every call),
 * forwarding the uploader's authorization header: the catalog decides whether
 * the caller owns the channel. Catalog's refusals become the same kinds of errors here.
 */
export function createCatalogVideoRegistry(options: CatalogVideoRegistryOptions): VideoRegistry {
  const client = createServiceClient(VideoService, { address: options.address, interceptors: [sendServiceKey(options.serviceKey)] });
  return {
    async createVideo(authorization, video) {
      try {
        const response = await client.createVideo(
          { channelId: video.channelId, title: video.title, description: video.description },
          { headers: { authorization }, timeoutMs: options.timeoutMs ?? 10_000 },
        );
        if (!response.video) throw new Error("catalog returned no video");
        return { videoId: response.video.id, ownerId: response.video.ownerId };
      } catch (err) {
        throw fromCatalog(err);
      }
    },
  };
}

function fromCatalog(err: unknown): unknown {
  if (!(err instanceof ConnectError)) return err;
  switch (err.code) {
    case Code.NotFound:
      return notFound("channel not found");
    case Code.PermissionDenied:
      return permissionDenied("you may only upload to your own channels");
    case Code.Unauthenticated:
      return unauthenticated();
    case Code.InvalidArgument:
      return invalidArgument(err.rawMessage);
    case Code.FailedPrecondition:
      return new AppError("failed_precondition", err.rawMessage);
    case Code.Unavailable:
    case Code.DeadlineExceeded:
      return unavailable("the catalog is unavailable; try again");
    default:
      return err;
  }
}
