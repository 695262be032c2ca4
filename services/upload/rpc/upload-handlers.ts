import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  UploadState,
  type UploadMetadata as UploadMetadataMessage,
  type UploadRequest,
  type UploadService,
  type UploadSessionSchema,
} from "../../../gen/xtream/upload/v1/upload_service_pb.js";
import { requireCaller, type TokenVerifier } from "../../../lib/auth/index.ts";
import { invalidArgument } from "../../../lib/errors.ts";
import type { UploadManager, UploadMetadata, UploadSession } from "../domain/index.ts";

export interface UploadHandlersOptions {
  manager: UploadManager;
  verifier: TokenVerifier;
}

/** UploadService's RPCs: protobuf in, domain calls, protobuf out. Every call needs a signed-in caller. */
export function createUploadHandlers(options: UploadHandlersOptions): Partial<ServiceImpl<typeof UploadService>> {
  const { manager, verifier } = options;
  const authorization = (context: HandlerContext) => context.requestHeader.get("authorization") ?? "";

  return {
    async upload(requests, context) {
      const caller = await requireCaller(context, verifier);
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done || first.value.part.case !== "metadata") throw invalidArgument("part: the first message must carry metadata");
      const metadata = toMetadata(first.value.part.value);
      const result = await manager.uploadStream(caller, authorization(context), metadata, chunksOf(iterator));
      return { videoId: result.videoId, sizeBytes: BigInt(result.sizeBytes) };
    },

    async startUpload(request, context) {
      const caller = await requireCaller(context, verifier);
      if (!request.metadata) throw invalidArgument("metadata: value is required");
      const session = await manager.startUpload(caller, authorization(context), toMetadata(request.metadata));
      return { session: toSessionMessage(session) };
    },

    async putChunk(request, context) {
      const caller = await requireCaller(context, verifier);
      const committed = await manager.putChunk(caller, request.uploadId, safeNumber(request.offset, "offset"), request.data);
      return { committedOffset: BigInt(committed) };
    },

    async getUploadStatus(request, context) {
      const caller = await requireCaller(context, verifier);
      return { session: toSessionMessage(await manager.getStatus(caller, request.uploadId)) };
    },

    async finishUpload(request, context) {
      const caller = await requireCaller(context, verifier);
      const result = await manager.finishUpload(caller, request.uploadId);
      return { videoId: result.videoId, sizeBytes: BigInt(result.sizeBytes) };
    },

    async cancelUpload(request, context) {
      const caller = await requireCaller(context, verifier);
      await manager.cancelUpload(caller, request.uploadId);
      return {};
    },
  };
}

/** The file's bytes: every message after the first must be a chunk. */
async function* chunksOf(iterator: AsyncIterator<UploadRequest>): AsyncGenerator<Uint8Array> {
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
    if (next.value.part.case !== "chunk") throw invalidArgument("part: only the first message may carry metadata");
    yield next.value.part.value;
  }
}

function toMetadata(message: UploadMetadataMessage): UploadMetadata {
  return {
    channelId: message.channelId,
    title: message.title,
    description: message.description,
    contentType: message.contentType,
    sizeBytes: safeNumber(message.sizeBytes, "metadata.size_bytes"),
    filename: message.filename,
  };
}

function safeNumber(value: bigint, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidArgument(`${field}: value is too large`);
  return Number(value);
}

const states: Record<UploadSession["state"], UploadState> = {
  active: UploadState.ACTIVE,
  completed: UploadState.COMPLETED,
  cancelled: UploadState.CANCELLED,
  expired: UploadState.EXPIRED,
};

function toSessionMessage(session: UploadSession): MessageInitShape<typeof UploadSessionSchema> {
  return {
    uploadId: session.id,
    videoId: session.videoId,
    state: states[session.state],
    sizeBytes: BigInt(session.sizeBytes),
    committedOffset: BigInt(session.committedOffset),
    chunkSizeBytes: BigInt(session.chunkSizeBytes),
    expireTime: timestampFromDate(session.expireAt),
  };
}
