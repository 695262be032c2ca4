/** The stills made inside the ladder encode (poster, thumbnails, storyboard): where, and their upload. */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { planStoryboard, renderStoryboardVtt } from "./hls.ts";
import type { TranscodeResult } from "./job-result.ts";
import type { Rung } from "./ladder.ts";
import type { ImageOutputs, MediaStore } from "./ports.ts";

/** Where and how the encode makes the stills: sized like the image rung (at most 720p). */
export function planImages(outputDir: string, rung: Rung, duration: number, segmentSeconds: number): ImageOutputs {
  const thumbnailCount = 5;
  return {
    outputDir,
    width: rung.width,
    height: rung.height,
    // The poster at 10% of the video, on a segment boundary (a keyframe of every rung).
    posterAtSeconds: Math.floor((duration * 0.1) / segmentSeconds) * segmentSeconds,
    thumbnailCount,
    thumbnailGapSeconds: Math.max(segmentSeconds, Math.floor(duration / thumbnailCount / segmentSeconds) * segmentSeconds),
    storyboard: planStoryboard(duration, rung.width, rung.height, segmentSeconds),
  };
}

/** Uploads the stills the encode wrote, and the storyboard's WebVTT. */
export async function storeImages(
  store: MediaStore,
  prefix: string,
  images: ImageOutputs,
  duration: number,
): Promise<Pick<TranscodeResult, "posterKey" | "thumbnailKeys" | "storyboardSpriteKey" | "storyboardVttKey">> {
  const posterKey = `${prefix}poster.jpg`;
  const storyboardSpriteKey = `${prefix}storyboard.jpg`;
  const storyboardVttKey = `${prefix}storyboard.vtt`;
  await store.putFile(posterKey, join(images.outputDir, "poster.jpg"));
  const thumbnailKeys: string[] = [];
  for (const name of await listThumbnails(images.outputDir)) {
    const key = `${prefix}thumbs/${name}`;
    await store.putFile(key, join(images.outputDir, name));
    thumbnailKeys.push(key);
  }
  await store.putFile(storyboardSpriteKey, join(images.outputDir, "storyboard.jpg"));
  await store.putText(storyboardVttKey, renderStoryboardVtt(images.storyboard, duration, "storyboard.jpg"));
  return { posterKey, thumbnailKeys, storyboardSpriteKey, storyboardVttKey };
}

/** The thumbnails an encode with images wrote, in order. */
async function listThumbnails(outputDir: string): Promise<string[]> {
  return (await readdir(outputDir)).filter((name) => /^thumb_\d{3}\.jpg$/.test(name)).sort();
}
