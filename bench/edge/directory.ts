/**
 * A VideoService peer for the bench: the edge asks the catalog whether a
 * video is public; the bench's videos are not in the real catalog, so this
 * small real gRPC server answers for them (public, ready).
 */
import { notFound } from "../../lib/errors.ts";
import { createGrpcServer, registerService } from "../../lib/grpc/index.ts";
import { createLogger } from "../../lib/logger.ts";
import { VideoStatus, Visibility } from "../../gen/xtream/catalog/v1/resources_pb.js";
import { VideoService } from "../../gen/xtream/catalog/v1/video_service_pb.js";

/** Starts the peer on a free port; every listed video is public and READY. */
export async function startBenchDirectory(videoIds: string[]): Promise<{ address: string; close(): Promise<void> }> {
  const known = new Set(videoIds);
  const server = createGrpcServer({
    logger: createLogger("bench-directory", "silent"),
    services: [
      registerService(VideoService, {
        async getVideo(request) {
          if (!known.has(request.videoId)) throw notFound("video not found");
          return { video: { id: request.videoId, visibility: Visibility.PUBLIC, status: VideoStatus.READY, playable: true } };
        },
      }),
    ],
  });
  const port = await server.listen("127.0.0.1", 0);
  return { address: `127.0.0.1:${port}`, close: () => server.shutdown(500) };
}
