/**
 * What `./dev.sh seed` publishes: a few short clips drawn by ffmpeg's own
 * sources (no media files in the repository), in the shapes a newcomer should
 * see work: landscape 16:9, portrait 9:16, and one without an audio track.
 */

/** How a clip is drawn: an ffmpeg lavfi video source (and optional audio source). */
export interface ClipRecipe {
  width: number;
  height: number;
  seconds: number;
  /** lavfi video graph, drawn at the clip's size. */
  video: string;
  /** lavfi audio graph; absent for a silent clip (no audio stream at all). */
  audio?: string;
}

/** One demo video: its metadata as it appears in the app, and how to make it. */
export interface DemoVideo {
  /** File name stem in the clip cache. */
  key: string;
  /** Also how a second run recognises it (titles are unique within the demo channel). */
  title: string;
  description: string;
  tags: string[];
  language: string;
  clip: ClipRecipe;
}

/** The demo channel's videos, in upload order. */
export const DEMO_VIDEOS: DemoVideo[] = [
  {
    key: "aurora-landscape",
    title: "Aurora: colour drift in 16:9",
    description:
      "Eight seconds of slowly drifting colour fields with a soft two-note chord. A landscape clip with AAC audio, transcoded into an adaptive HLS ladder by Xtream.",
    tags: ["ambient", "colour", "landscape", "demo"],
    language: "en",
    clip: {
      width: 640,
      height: 360,
      seconds: 8,
      video: "gradients=size=640x360:rate=30:speed=0.02:n=5",
      audio: "aevalsrc=0.12*sin(2*PI*220*t)+0.08*sin(2*PI*330*t):s=48000",
    },
  },
  {
    key: "fractal-portrait",
    title: "Fractal triangles, phone-shaped",
    description: "A Sierpinski triangle unfolding in portrait 9:16, with a steady tone. Made to check vertical video end to end: upload, transcode, poster and playback.",
    tags: ["fractal", "portrait", "vertical", "demo"],
    language: "en",
    clip: {
      width: 360,
      height: 640,
      seconds: 6,
      video: "sierpinski=size=360x640:rate=30:type=triangle",
      audio: "sine=frequency=330:sample_rate=48000,volume=0.3",
    },
  },
  {
    key: "life-silent",
    title: "Conway's Game of Life (silent)",
    description: "Cells are born, live and die on a 16:9 grid. This clip has no audio track at all, so the ladder is video only and the player has nothing to mute.",
    tags: ["cellular automaton", "generative", "silent", "demo"],
    language: "en",
    clip: {
      width: 640,
      height: 360,
      seconds: 8,
      // Drawn small and scaled up without smoothing: sharp cells, quick to encode.
      video: "life=size=160x90:rate=30:mold=10:ratio=0.15:life_color=#ffb84d:death_color=#1a1033:mold_color=#3a1c71,scale=640:360:flags=neighbor",
    },
  },
];

/** The public playlist the seed fills with every demo video, in order. */
export const DEMO_PLAYLIST = {
  title: "Xtream demo reel",
  description: "Every demo clip in order: landscape, portrait and silent. Play it to watch them one after another.",
};

/** The demo channel. */
export const DEMO_CHANNEL = {
  title: "Xtream Showcase",
  description: "Short generated clips that show what the platform does: adaptive HLS, posters, storyboards, portrait video and silent video.",
};
