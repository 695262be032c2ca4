/**
 * Client side of the upload service, for the pipeline benchmark and the
 * pipeline end-to-end tests: the client-streaming Upload RPC and resumable
 * sessions, reading files in chunks (never whole).
 */
import { open } from "node:fs/promises";
import type { Client } from "@connectrpc/connect";
import { UploadService } from "../../gen/xtream/upload/v1/upload_service_pb.js";
import { createServiceClient, forwardAuthorization } from "../../lib/grpc/index.ts";

/** An UploadService client sending a bearer token. */
export type UploadClient = Client<typeof UploadService>;

/** Creates an UploadService client that calls as the token's user. */
export function createUploadClient(address: string, token: string): UploadClient {
  return createServiceClient(UploadService, {
    address,
    interceptors: [forwardAuthorization(`Bearer ${token}`)],
  });
}

/** What the upload is. */
export interface UploadInfo {
  channelId: string;
  title: string;
  contentType: string;
  sizeBytes: number;
  filename?: string;
}

/** Reads [start, end) of a file in chunks of `chunkSize`. */
export async function* fileChunks(file: string, chunkSize: number, start = 0, end?: number): AsyncGenerator<Uint8Array> {
  const handle = await open(file, "r");
  try {
    const stop = end ?? (await handle.stat()).size;
    for (let offset = start; offset < stop; offset += chunkSize) {
      const buffer = Buffer.allocUnsafe(Math.min(chunkSize, stop - offset));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** `total` bytes made of one repeated pseudo-random block: a large "file" that needs no disk. */
export async function* syntheticChunks(total: number, chunkSize: number): AsyncGenerator<Uint8Array> {
  const block = Buffer.alloc(chunkSize);
  for (let index = 0; index < chunkSize; index++) block[index] = (index * 2654435761) >>> 24;
  for (let sent = 0; sent < total; sent += chunkSize) yield block.subarray(0, Math.min(chunkSize, total - sent));
}

/** Uploads with the client-streaming RPC; resolves with the video id. */
export async function uploadStream(client: UploadClient, info: UploadInfo, chunks: AsyncIterable<Uint8Array>): Promise<string> {
  async function* requests() {
    yield {
      part: {
        case: "metadata" as const,
        value: { channelId: info.channelId, title: info.title, contentType: info.contentType, sizeBytes: BigInt(info.sizeBytes), filename: info.filename ?? "" },
      },
    };
    for await (const chunk of chunks) yield { part: { case: "chunk" as const, value: chunk } };
  }
  const response = await client.upload(requests());
  return response.videoId;
}

/** A started resumable session. */
export interface ResumableUpload {
  uploadId: string;
  videoId: string;
  chunkSize: number;
}

/** Starts a resumable session. */
export async function startResumable(client: UploadClient, info: UploadInfo): Promise<ResumableUpload> {
  const { session } = await client.startUpload({
    metadata: { channelId: info.channelId, title: info.title, contentType: info.contentType, sizeBytes: BigInt(info.sizeBytes), filename: info.filename ?? "" },
  });
  if (!session) throw new Error("StartUpload returned no session");
  return { uploadId: session.uploadId, videoId: session.videoId, chunkSize: Number(session.chunkSizeBytes) };
}

/** Puts a file's chunks from the server's acknowledged offset up to `until` (all by default). */
export async function putChunks(client: UploadClient, upload: ResumableUpload, file: string, until?: number): Promise<number> {
  const { session } = await client.getUploadStatus({ uploadId: upload.uploadId });
  let offset = Number(session?.committedOffset ?? 0n);
  for await (const data of fileChunks(file, upload.chunkSize, offset, until)) {
    const { committedOffset } = await client.putChunk({ uploadId: upload.uploadId, offset: BigInt(offset), data });
    offset = Number(committedOffset);
  }
  return offset;
}
