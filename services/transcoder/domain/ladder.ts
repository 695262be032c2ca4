/**
 * The HLS ladder: which rungs a source gets, their sizes, bitrates and
 * codec strings. Pure logic, shared by the worker and the pipeline benchmark.
 */

/** A rung the platform knows, by the length of its short side. */
export interface RungSpec {
  name: string;
  /** Length of the short side (the height of a landscape video). */
  shortSide: number;
  /** Video peak bitrate cap, bits per second. */
  maxrate: number;
  /** Audio bitrate, bits per second. */
  audioBitrate: number;
}

/** Every rung, highest first. */
export const RUNG_SPECS: readonly RungSpec[] = [
  { name: "1080p", shortSide: 1080, maxrate: 5_000_000, audioBitrate: 128_000 },
  { name: "720p", shortSide: 720, maxrate: 2_800_000, audioBitrate: 128_000 },
  { name: "480p", shortSide: 480, maxrate: 1_400_000, audioBitrate: 128_000 },
  { name: "360p", shortSide: 360, maxrate: 800_000, audioBitrate: 96_000 },
  { name: "240p", shortSide: 240, maxrate: 400_000, audioBitrate: 64_000 },
];

/** The displayed geometry of a source, after rotation and pixel aspect ratio. */
export interface SourceGeometry {
  /** Displayed width (rotation and sample aspect ratio applied). */
  width: number;
  /** Displayed height. */
  height: number;
  /** Frames per second (average). */
  fps: number;
}

/** One rung planned for a given source. */
export interface Rung {
  name: string;
  width: number;
  height: number;
  maxrate: number;
  bufsize: number;
  audioBitrate: number;
  /** H.264 level as x264 takes it, for example "3.1". */
  level: string;
  /** RFC 6381 codecs string for the video track, for example "avc1.64001f". */
  videoCodec: string;
}

/** Rounds to the nearest even number, at least 2. */
export function even(value: number): number {
  return Math.max(2, 2 * Math.round(value / 2));
}

/**
 * Plans the ladder for a source: every known rung whose short side is at
 * most the source's (never upscale), with the aspect ratio kept and both
 * dimensions even. A source smaller than the lowest rung gets one rung, named
 * after the lowest, at its own (even) size.
 */
export function planLadder(source: SourceGeometry): Rung[] {
  const portrait = source.height > source.width;
  const sourceShort = Math.min(source.width, source.height);
  const sourceLong = Math.max(source.width, source.height);
  const fitting = RUNG_SPECS.filter((spec) => spec.shortSide <= sourceShort);
  const lowest = RUNG_SPECS[RUNG_SPECS.length - 1];
  if (!lowest) throw new Error("no rungs configured");
  const specs = fitting.length > 0 ? fitting : [{ ...lowest, shortSide: sourceShort }];
  return specs.map((spec) => {
    const short = even(spec.shortSide);
    const long = even((sourceLong * spec.shortSide) / sourceShort);
    const width = portrait ? short : long;
    const height = portrait ? long : short;
    const level = h264Level(width, height, source.fps);
    return {
      name: spec.name,
      width,
      height,
      maxrate: spec.maxrate,
      bufsize: spec.maxrate * 2,
      audioBitrate: spec.audioBitrate,
      level: level.name,
      videoCodec: `avc1.6400${level.idc.toString(16).padStart(2, "0")}`,
    };
  });
}

// H.264 levels (Table A-1): max macroblocks per second and per frame.
const LEVELS = [
  { name: "3.0", idc: 30, mbps: 40_500, fs: 1_620 },
  { name: "3.1", idc: 31, mbps: 108_000, fs: 3_600 },
  { name: "3.2", idc: 32, mbps: 216_000, fs: 5_120 },
  { name: "4.0", idc: 40, mbps: 245_760, fs: 8_192 },
  { name: "4.2", idc: 42, mbps: 522_240, fs: 8_704 },
  { name: "5.1", idc: 51, mbps: 983_040, fs: 36_864 },
  { name: "5.2", idc: 52, mbps: 2_073_600, fs: 36_864 },
] as const;

/** The lowest H.264 level that allows a frame size at a frame rate. */
export function h264Level(width: number, height: number, fps: number): { name: string; idc: number } {
  const frameMbs = Math.ceil(width / 16) * Math.ceil(height / 16);
  const rate = frameMbs * Math.max(1, fps);
  const level = LEVELS.find((candidate) => frameMbs <= candidate.fs && rate <= candidate.mbps) ?? LEVELS[LEVELS.length - 1];
  return { name: level?.name ?? "5.2", idc: level?.idc ?? 52 };
}

/** The AAC-LC codec string used when a rung carries audio. */
export const AAC_CODEC = "mp4a.40.2";

/** The CODECS attribute for a rung. */
export function codecsFor(rung: Rung, hasAudio: boolean): string {
  return hasAudio ? `${rung.videoCodec},${AAC_CODEC}` : rung.videoCodec;
}

/** A nominal BANDWIDTH before any segment was measured: caps plus ~10% MPEG-TS overhead. */
export function nominalBandwidth(rung: Rung, hasAudio: boolean): number {
  return Math.round((rung.maxrate + (hasAudio ? rung.audioBitrate : 0)) * 1.1);
}
