// Test clips generated with ffmpeg (the stack's own binary).
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What a generated clip looks like. */
export interface ClipOptions {
  width: number;
  height: number;
  seconds: number;
  audio: boolean;
  /** Video bitrate, for example "8M": high enough makes a small clip span several upload chunks. */
  bitrate: string;
}

/** Writes an H.264/AAC MP4 of moving test patterns (with film grain so it does not compress to nothing). */
export async function makeClip(path: string, o: ClipOptions): Promise<void> {
  const ffmpeg = process.env.FFMPEG_PATH ?? "ffmpeg";
  const video = `testsrc2=size=${o.width}x${o.height}:rate=30,noise=alls=30:allf=t`;
  const args = ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", video];
  if (o.audio) args.push("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000");
  args.push("-t", String(o.seconds), "-c:v", "libx264", "-preset", "ultrafast", "-b:v", o.bitrate, "-maxrate", o.bitrate, "-bufsize", o.bitrate, "-pix_fmt", "yuv420p");
  if (o.audio) args.push("-c:a", "aac", "-b:a", "96k", "-shortest");
  args.push("-movflags", "+faststart", path);
  await run(ffmpeg, args);
}
