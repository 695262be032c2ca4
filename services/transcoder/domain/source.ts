/**
 * What a source file is, read from ffprobe's JSON: whether it is a playable
 * video, and its displayed geometry. Pure logic; the probe itself runs in
 * adapters/ffmpeg.ts.
 */
import type { SourceGeometry } from "./ladder.ts";

/** A source that no retry can turn into a video; the message is meant for people. */
export class UnplayableSourceError extends Error {
  override name = "UnplayableSourceError";
}

/** A source ready to transcode. */
export interface SourceInfo extends SourceGeometry {
  /** Seconds. */
  duration: number;
  hasAudio: boolean;
  /** Clockwise rotation applied on display (0, 90, 180, 270). */
  rotation: number;
  videoCodec: string;
}

/** The parts of ffprobe's `-show_format -show_streams` JSON that are read here. */
export interface ProbeJson {
  streams?: {
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    sample_aspect_ratio?: string;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    duration?: string;
    disposition?: { attached_pic?: number };
    tags?: Record<string, string>;
    side_data_list?: { side_data_type?: string; rotation?: number }[];
  }[];
  format?: { duration?: string; format_name?: string; size?: string };
}

/** Parses "30000/1001", "16:11" or "30" into a number; 0 when it is not a positive ratio. */
export function parseRate(value: string | undefined): number {
  if (!value) return 0;
  const [num, den] = value.split(/[/:]/).map(Number);
  const rate = den === undefined ? (num ?? 0) : (num ?? 0) / den;
  return Number.isFinite(rate) && rate > 0 ? rate : 0;
}

/** Normalises a display rotation to 0, 90, 180 or 270 degrees clockwise. */
export function normaliseRotation(degrees: number): number {
  const right = Math.round(degrees / 90) * 90;
  return ((right % 360) + 360) % 360;
}

/**
 * Turns ffprobe's answer into a SourceInfo, or throws UnplayableSourceError
 * saying, in words a person understands, why the file is not a video.
 */
export function interpretProbe(probe: ProbeJson, sizeBytes: number): SourceInfo {
  if (sizeBytes === 0) throw new UnplayableSourceError("the file is empty");
  const streams = probe.streams ?? [];
  const video = streams.find((stream) => stream.codec_type === "video" && stream.disposition?.attached_pic !== 1);
  if (!video) {
    const audioOnly = streams.some((stream) => stream.codec_type === "audio");
    throw new UnplayableSourceError(audioOnly ? "the file has no video stream (it is audio only)" : "the file has no video stream");
  }
  const codedWidth = video.width ?? 0;
  const codedHeight = video.height ?? 0;
  if (codedWidth <= 0 || codedHeight <= 0) throw new UnplayableSourceError("the video stream has no picture size");
  const duration = Number(probe.format?.duration ?? video.duration ?? 0);
  if (!Number.isFinite(duration) || duration <= 0) throw new UnplayableSourceError("the video has no duration (it may be damaged)");

  // Display rotation: the display matrix side data (negative = clockwise in ffprobe), or the legacy tag.
  const matrix = video.side_data_list?.find((data) => typeof data.rotation === "number");
  const rotation = matrix?.rotation !== undefined ? normaliseRotation(-matrix.rotation) : normaliseRotation(Number(video.tags?.["rotate"] ?? 0));
  const sar = parseRate(video.sample_aspect_ratio) || 1;
  const displayWidth = codedWidth * sar;
  const quarterTurn = rotation === 90 || rotation === 270;
  const fps = parseRate(video.avg_frame_rate) || parseRate(video.r_frame_rate) || 30;
  return {
    width: Math.round(quarterTurn ? codedHeight : displayWidth),
    height: Math.round(quarterTurn ? displayWidth : codedHeight),
    fps: Math.min(fps, 120),
    duration,
    hasAudio: streams.some((stream) => stream.codec_type === "audio"),
    rotation,
    videoCodec: video.codec_name ?? "unknown",
  };
}
