/**
 * HLS playlists: reading the segments ffmpeg has finished, and writing the
 * playlists the platform publishes (which only ever name stored segments).
 */

/** One finished media segment. */
export interface Segment {
  /** File name relative to the rung's folder, for example "seg_00003.ts". */
  uri: string;
  /** Seconds. */
  duration: number;
}

/** Reads the complete segments named by an HLS media playlist, in order. */
export function parseMediaPlaylist(text: string): { segments: Segment[]; ended: boolean } {
  const segments: Segment[] = [];
  let pending: number | undefined;
  let ended = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#EXTINF:")) {
      pending = Number.parseFloat(line.slice("#EXTINF:".length));
    } else if (line === "#EXT-X-ENDLIST") {
      ended = true;
    } else if (line && !line.startsWith("#") && pending !== undefined) {
      if (Number.isFinite(pending)) segments.push({ uri: line, duration: pending });
      pending = undefined;
    }
  }
  return { segments, ended };
}

/** Options for rendering a media playlist. */
export interface MediaPlaylistOptions {
  segments: readonly Segment[];
  /** The target duration ffmpeg was asked for (seconds). */
  targetSeconds: number;
  /** true: a finished VOD playlist with ENDLIST; false: an EVENT playlist still growing. */
  complete: boolean;
}

/** Renders a media playlist naming exactly the given (stored) segments. */
export function renderMediaPlaylist(options: MediaPlaylistOptions): string {
  const longest = options.segments.reduce((max, segment) => Math.max(max, segment.duration), options.targetSeconds);
  const lines = [
    "#EXTM3U",
    "#EXT-X-VERSION:3",
    `#EXT-X-TARGETDURATION:${Math.ceil(longest)}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
    `#EXT-X-PLAYLIST-TYPE:${options.complete ? "VOD" : "EVENT"}`,
    "#EXT-X-INDEPENDENT-SEGMENTS",
  ];
  for (const segment of options.segments) lines.push(`#EXTINF:${segment.duration.toFixed(6)},`, segment.uri);
  if (options.complete) lines.push("#EXT-X-ENDLIST");
  return `${lines.join("\n")}\n`;
}

/** One variant in the master playlist. */
export interface Variant {
  /** Relative URI of the media playlist, for example "720p/index.m3u8". */
  uri: string;
  bandwidth: number;
  averageBandwidth?: number;
  width: number;
  height: number;
  codecs: string;
  frameRate: number;
}

/** Renders the master playlist, lowest bandwidth first. */
export function renderMasterPlaylist(variants: readonly Variant[]): string {
  const lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"];
  for (const variant of [...variants].sort((a, b) => a.bandwidth - b.bandwidth)) {
    const attributes = [
      `BANDWIDTH=${Math.round(variant.bandwidth)}`,
      ...(variant.averageBandwidth ? [`AVERAGE-BANDWIDTH=${Math.round(variant.averageBandwidth)}`] : []),
      `RESOLUTION=${variant.width}x${variant.height}`,
      `FRAME-RATE=${variant.frameRate.toFixed(3)}`,
      `CODECS="${variant.codecs}"`,
    ];
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(",")}`, variant.uri);
  }
  return `${lines.join("\n")}\n`;
}

/** Peak and average bits per second of a rung, from its segments' sizes. */
export function measureBandwidth(segments: readonly { bytes: number; duration: number }[]): { peak: number; average: number } {
  let peak = 0;
  let bytes = 0;
  let seconds = 0;
  for (const segment of segments) {
    if (segment.duration <= 0) continue;
    // A short last segment says little about the peak; count it only if it is all there is.
    if (segment.duration >= 0.5 || segments.length === 1) peak = Math.max(peak, (segment.bytes * 8) / segment.duration);
    bytes += segment.bytes;
    seconds += segment.duration;
  }
  const average = seconds > 0 ? (bytes * 8) / seconds : 0;
  return { peak: Math.round(Math.max(peak, average)), average: Math.round(average) };
}

/** Layout of the storyboard sprite: a grid of equally sized tiles, one every `interval` seconds. */
export interface StoryboardLayout {
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
  /** Seconds between tiles. */
  interval: number;
  /** Number of tiles actually filled. */
  count: number;
}

/**
 * Chooses a storyboard: about 20–100 tiles 160 px wide, one every `interval`
 * seconds, the interval a multiple of the segment length (tiles are taken
 * from keyframes, which come once per segment).
 */
export function planStoryboard(duration: number, width: number, height: number, segmentSeconds: number): StoryboardLayout {
  const maxTiles = 100;
  const raw = Math.max(1, Math.ceil(duration / maxTiles), Math.min(10, Math.ceil(duration / 20)));
  const interval = segmentSeconds * Math.ceil(raw / segmentSeconds);
  const count = Math.max(1, Math.ceil(duration / interval));
  const columns = Math.min(10, count);
  const rows = Math.ceil(count / columns);
  const tileWidth = 160;
  const tileHeight = Math.max(2, 2 * Math.round((tileWidth * height) / width / 2));
  return { columns, rows, tileWidth, tileHeight, interval, count };
}

/** The storyboard's WebVTT: one cue per tile, pointing into the sprite with #xywh=. */
export function renderStoryboardVtt(layout: StoryboardLayout, duration: number, spriteUri: string): string {
  const lines = ["WEBVTT", ""];
  for (let index = 0; index < layout.count; index++) {
    const start = index * layout.interval;
    const end = Math.min(duration, start + layout.interval);
    if (end <= start) break;
    const x = (index % layout.columns) * layout.tileWidth;
    const y = Math.floor(index / layout.columns) * layout.tileHeight;
    lines.push(`${vttTime(start)} --> ${vttTime(end)}`, `${spriteUri}#xywh=${x},${y},${layout.tileWidth},${layout.tileHeight}`, "");
  }
  return lines.join("\n");
}

function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const rest = ms % 1000;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}.${String(rest).padStart(3, "0")}`;
}
