/** One storyboard tile: the time range it shows and where it sits in the sprite. */
export interface StoryboardCue {
  start: number;
  end: number;
  url: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Parses a storyboard WebVTT (cues pointing into a sprite with #xywh=x,y,w,h); relative URLs resolve against `baseUrl`. */
export function parseStoryboardVtt(text: string, baseUrl: string): StoryboardCue[] {
  const cues: StoryboardCue[] = [];
  const blocks = text.replace(/\r/g, "").split(/\n\n+/);
  for (const block of blocks) {
    const lines = block.split("\n").filter(Boolean);
    const timing = lines.findIndex((line) => line.includes("-->"));
    if (timing < 0) continue;
    const [from, to] = lines[timing]!.split("-->").map((part) => parseTime(part.trim().split(/\s+/)[0]!));
    const target = lines[timing + 1]?.trim();
    if (from === undefined || to === undefined || Number.isNaN(from) || Number.isNaN(to) || !target) continue;
    const match = /^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(target);
    if (!match) continue;
    cues.push({
      start: from,
      end: to,
      url: new URL(match[1]!, baseUrl).toString(),
      x: Number(match[2]),
      y: Number(match[3]),
      width: Number(match[4]),
      height: Number(match[5]),
    });
  }
  return cues;
}

/** The cue covering `time`, or the last one before it. */
export function cueAt(cues: StoryboardCue[], time: number): StoryboardCue | null {
  let found: StoryboardCue | null = null;
  for (const cue of cues) {
    if (cue.start <= time) found = cue;
    if (cue.start <= time && time < cue.end) return cue;
  }
  return found;
}

/** "01:02:03.500" or "02:03.500" → seconds. */
function parseTime(text: string): number {
  const parts = text.split(":").map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}
