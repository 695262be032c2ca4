/**
 * Publishes one rung while the encoder writes it: each finished segment is
 * uploaded, then the rung's playlist naming only uploaded segments. A
 * playlist left by an earlier run of the same job is not replaced until this
 * run has stored at least as many segments (a finished one is left alone
 * until the end), so no published playlist ever names a missing segment.
 */
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { parseMediaPlaylist, renderMediaPlaylist, type Segment } from "./hls.ts";
import type { Rung } from "./ladder.ts";
import type { MediaStore } from "./ports.ts";

/** A segment uploaded to the media store. */
export interface StoredSegment extends Segment {
  bytes: number;
}

/** What the publisher needs. */
export interface RungPublisherDeps {
  store: MediaStore;
  segmentSeconds: number;
}

/** One rung's publication state. */
export interface RungPublisher {
  rung: Rung;
  stored: StoredSegment[];
  /** True once a playlist of this rung naming at least one segment is in the store. */
  playable(): boolean;
  /** Uploads newly finished segments, then republishes the playlist (VOD with ENDLIST when final). */
  sync(final: boolean): Promise<void>;
}

/** Creates the publisher of a rung written under `<outDir>/<rung>/`, publishing under `<prefix><rung>/`. */
export async function createRungPublisher(deps: RungPublisherDeps, prefix: string, outDir: string, rung: Rung): Promise<RungPublisher> {
  const key = `${prefix}${rung.name}/index.m3u8`;
  // A playlist left by an earlier run of this job names segments that exist; keep it until we store as many.
  const previous = await deps.store.getText(key);
  const parsed = previous ? parseMediaPlaylist(previous) : undefined;
  const floor = parsed?.segments.length ?? 0;
  // A finished playlist (a redelivered job) stays as it is until this run's own final version.
  const keepUntilFinal = parsed?.ended ?? false;
  const stored: StoredSegment[] = [];
  let published = 0;
  const local = join(outDir, rung.name);
  return {
    rung,
    stored,
    playable: () => published > 0 || floor > 0,
    async sync(final) {
      let text: string;
      try {
        text = await readFile(join(local, "index.m3u8"), "utf8");
      } catch {
        return; // ffmpeg has not written the playlist yet
      }
      const { segments } = parseMediaPlaylist(text);
      for (const segment of segments.slice(stored.length)) {
        if (segment.uri.includes("/") || segment.uri.includes("..")) throw new Error(`unexpected segment name ${segment.uri}`);
        const file = join(local, segment.uri);
        const bytes = await deps.store.putFile(`${prefix}${rung.name}/${segment.uri}`, file);
        stored.push({ ...segment, bytes });
        await rm(file, { force: true });
      }
      if (final || (!keepUntilFinal && stored.length > published && stored.length >= floor)) {
        await deps.store.putText(key, renderMediaPlaylist({ segments: stored, targetSeconds: deps.segmentSeconds, complete: final }));
        published = stored.length;
      }
    },
  };
}

