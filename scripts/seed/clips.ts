/**
 * Draws the demo clips with ffmpeg into a cache folder. A clip's file name
 * carries a digest of its recipe, so a changed recipe is drawn again and an
 * unchanged one never is.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ClipRecipe } from "./catalogue.ts";

const run = promisify(execFile);

/** A drawn clip on disk. */
export interface ClipFile {
  path: string;
  sizeBytes: number;
  /** False when it came from the cache. */
  generated: boolean;
}

/** The ffmpeg arguments that draw a recipe as H.264 (+ AAC when it has audio) MP4. */
export function clipArgs(recipe: ClipRecipe, output: string): string[] {
  const args = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i", recipe.video];
  if (recipe.audio) args.push("-f", "lavfi", "-i", recipe.audio);
  args.push("-t", String(recipe.seconds), "-map", "0:v:0");
  if (recipe.audio) args.push("-map", "1:a:0");
  // Small and quick: a short clip at CRF 26 is a few hundred KB and encodes in seconds.
  args.push("-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-pix_fmt", "yuv420p", "-g", "60");
  if (recipe.audio) args.push("-c:a", "aac", "-b:a", "96k", "-ac", "2");
  args.push("-movflags", "+faststart", "-f", "mp4", output);
  return args;
}

/** Returns the cached clip for `recipe`, drawing it first when missing. */
export async function ensureClip(recipe: ClipRecipe, key: string, cacheDir: string, ffmpegPath: string): Promise<ClipFile> {
  const digest = createHash("sha256").update(JSON.stringify(recipe)).digest("hex").slice(0, 12);
  const path = join(cacheDir, `${key}-${digest}.mp4`);
  if (existsSync(path)) return { path, sizeBytes: (await stat(path)).size, generated: false };
  await mkdir(cacheDir, { recursive: true });
  // Written beside and renamed, so an interrupted run never leaves half a clip in the cache.
  const partial = `${path}.partial`;
  try {
    await run(ffmpegPath, clipArgs(recipe, partial), { timeout: 180_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`ffmpeg could not draw the clip ${key}${stderr ? `: ${stderr}` : ""}`, { cause: err });
  }
  await rename(partial, path);
  return { path, sizeBytes: (await stat(path)).size, generated: true };
}
