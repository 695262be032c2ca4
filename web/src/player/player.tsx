import type HlsType from "hls.js/light";
import type { ErrorData, Level } from "hls.js/light";
import { useEffect, useRef, useState } from "preact/hooks";
import { formatClock } from "../components/format.js";
import { hlsConfig, preloadHls, takeEarlyHls, usesMediaSource } from "./hls-loader.js";
import { cueAt, parseStoryboardVtt, type StoryboardCue } from "./storyboard.js";

/** What the player plays. */
export interface PlayerSource {
  masterUrl: string;
  posterUrl: string;
  storyboardVttUrl: string;
  /** False while the ladder is still being transcoded (EVENT playlists that grow). */
  complete: boolean;
}

/** Player callbacks. */
export interface PlayerProps {
  source: PlayerSource;
  autoPlay?: boolean;
  /** Start position in seconds (after a reload with a fresh token). */
  startAt?: number;
  /** The first time playback really starts. */
  onFirstPlay?: () => void;
  onEnded?: () => void;
  /** A failure hls.js could not recover from; `status` is the HTTP status when there was one. */
  onFatal?: (message: string, status: number | undefined, position: number) => void;
}

interface QualityOption {
  index: number;
  label: string;
}

/**
 * The video player: hls.js over MediaSource (native HLS where MediaSource is
 * missing, as in Safari on iOS), adaptive by default with a quality menu,
 * storyboard previews over the seek bar, and keyboard shortcuts
 * (space/k play, ←/→ seek 5 s, ↑/↓ volume, f full screen, m mute).
 */
export function Player({ source, autoPlay = true, startAt = 0, onFirstPlay, onEnded, onFatal }: PlayerProps) {
  const video = useRef<HTMLVideoElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const hlsRef = useRef<HlsType | null>(null);
  const [engine, setEngine] = useState<"hls.js" | "native" | "none">("none");
  const [levels, setLevels] = useState<QualityOption[]>([]);
  const [chosenLevel, setChosenLevel] = useState(-1);
  const [currentLevel, setCurrentLevel] = useState(-1);
  const [paused, setPaused] = useState(true);
  const [muted, setMuted] = useState(false);
  const [volume, setVolume] = useState(1);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);
  const [buffered, setBuffered] = useState(0);
  const [waiting, setWaiting] = useState(false);
  const [fatal, setFatal] = useState<string | null>(null);
  const [needsClick, setNeedsClick] = useState(false);
  const [cues, setCues] = useState<StoryboardCue[]>([]);
  const [hover, setHover] = useState<{ x: number; time: number } | null>(null);
  const firstPlay = useRef(false);

  // Attach the source.
  useEffect(() => {
    const element = video.current!;
    let cancelled = false;
    let recoveredMedia = false;
    setFatal(null);
    setLevels([]);
    firstPlay.current = false;
    const start = () => {
      if (startAt > 0) element.currentTime = startAt;
      if (!autoPlay) return;
      element.play().catch((err: unknown) => {
        // Autoplay refused (no gesture yet): show the big play button instead.
        if (err instanceof DOMException && err.name === "NotAllowedError") setNeedsClick(true);
      });
    };
    if (!usesMediaSource() && element.canPlayType("application/vnd.apple.mpegurl")) {
      setEngine("native");
      element.src = source.masterUrl;
      element.addEventListener("loadedmetadata", start, { once: true });
      return () => {
        element.removeAttribute("src");
        element.load();
      };
    }
    void preloadHls().then((Hls) => {
      if (cancelled) return;
      if (!Hls.isSupported()) {
        setFatal("This browser can't play HLS video.");
        return;
      }
      setEngine("hls.js");
      // A watch page opened from a link may have started loading already (see hls-loader.ts).
      const hls = takeEarlyHls(source.masterUrl, startAt) ?? new Hls(hlsConfig(startAt));
      const manifestParsed = hls.levels.length > 0;
      hlsRef.current = hls;
      hls.on(Hls.Events.MANIFEST_PARSED, (_event, data) => {
        setLevels(qualityOptions(data.levels));
        start();
      });
      hls.on(Hls.Events.LEVEL_SWITCHED, (_event, data) => setCurrentLevel(data.level));
      hls.on(Hls.Events.ERROR, (_event, data: ErrorData) => {
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recoveredMedia) {
          recoveredMedia = true;
          hls.recoverMediaError();
          return;
        }
        const status = data.response?.code;
        const message = status === 403 || status === 401 ? "Your access to this video has expired." : "This video can't be played right now.";
        setFatal(message);
        onFatal?.(message, status, element.currentTime);
      });
      if (!hls.url) hls.loadSource(source.masterUrl);
      hls.attachMedia(element);
      if (manifestParsed) {
        setLevels(qualityOptions(hls.levels));
        start();
      }
    });
    return () => {
      cancelled = true;
      hlsRef.current?.destroy();
      hlsRef.current = null;
    };
  }, [source.masterUrl]);

  // The storyboard sprite's cues.
  useEffect(() => {
    setCues([]);
    if (!source.storyboardVttUrl) return;
    const controller = new AbortController();
    fetch(source.storyboardVttUrl, { signal: controller.signal })
      .then((r) => (r.ok ? r.text() : ""))
      .then((text) => setCues(parseStoryboardVtt(text, source.storyboardVttUrl)))
      .catch(() => undefined); // previews are a nicety; playback does not depend on them
    return () => controller.abort();
  }, [source.storyboardVttUrl]);

  function togglePlay(): void {
    const element = video.current!;
    setNeedsClick(false);
    if (element.paused) element.play().catch(() => setNeedsClick(true));
    else element.pause();
  }
  function seekBy(seconds: number): void {
    const element = video.current!;
    element.currentTime = Math.max(0, Math.min(element.duration || 0, element.currentTime + seconds));
  }
  function setVolumeTo(value: number): void {
    const element = video.current!;
    element.volume = Math.max(0, Math.min(1, value));
    element.muted = element.volume === 0;
  }
  function toggleFullscreen(): void {
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    else void root.current?.requestFullscreen().catch(() => undefined);
  }
  function chooseLevel(index: number): void {
    setChosenLevel(index);
    const hls = hlsRef.current;
    if (hls) hls.currentLevel = index; // -1 = automatic
  }

  function onKeyDown(event: KeyboardEvent): void {
    const target = event.target as HTMLElement;
    if (target.tagName === "SELECT" || (target.tagName === "INPUT" && (target as HTMLInputElement).type !== "range")) return;
    const actions: Record<string, () => void> = {
      " ": togglePlay,
      k: togglePlay,
      ArrowLeft: () => seekBy(-5),
      ArrowRight: () => seekBy(5),
      ArrowUp: () => setVolumeTo(video.current!.volume + 0.1),
      ArrowDown: () => setVolumeTo(video.current!.volume - 0.1),
      f: toggleFullscreen,
      m: () => (video.current!.muted = !video.current!.muted),
    };
    const action = actions[event.key];
    if (!action || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    action();
  }

  function hoverAt(event: PointerEvent): void {
    const bar = event.currentTarget as HTMLElement;
    const rect = bar.getBoundingClientRect();
    const fraction = Math.max(0, Math.min(1, (event.clientX - rect.left) / rect.width));
    setHover({ x: fraction * rect.width, time: fraction * (duration || 0) });
  }

  const cue = hover ? cueAt(cues, hover.time) : null;
  const autoLabel = currentLevel >= 0 && levels.length ? `Auto (${levels.find((l) => l.index === currentLevel)?.label ?? "…"})` : "Auto";
  return (
    <div
      ref={root}
      class={`player${paused ? " is-paused" : ""}`}
      tabIndex={0}
      onKeyDown={onKeyDown}
      aria-label="Video player"
      role="region"
      data-engine={engine}
      data-current-level={currentLevel}
      data-fatal={fatal ? "1" : "0"}
    >
      <video
        ref={video}
        poster={source.posterUrl || undefined}
        playsInline
        preload="metadata"
        onClick={togglePlay}
        onPlay={() => setPaused(false)}
        onPause={() => setPaused(true)}
        onPlaying={() => {
          setWaiting(false);
          if (!firstPlay.current) {
            firstPlay.current = true;
            onFirstPlay?.();
          }
        }}
        onWaiting={() => setWaiting(true)}
        onTimeUpdate={(e) => {
          const element = e.currentTarget;
          setTime(element.currentTime);
          if (element.buffered.length) setBuffered(element.buffered.end(element.buffered.length - 1));
        }}
        onDurationChange={(e) => setDuration(Number.isFinite(e.currentTarget.duration) ? e.currentTarget.duration : 0)}
        onVolumeChange={(e) => {
          setMuted(e.currentTarget.muted);
          setVolume(e.currentTarget.volume);
        }}
        onEnded={() => onEnded?.()}
      />
      {!source.complete && <span class="player-badge">Processing · playing what's ready</span>}
      {waiting && !paused && !fatal && <span class="player-spinner" aria-hidden="true" />}
      {(needsClick || (paused && time === 0)) && !fatal && (
        <button type="button" class="player-bigplay" onClick={togglePlay} aria-label="Play">
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M8 5v14l11-7z" />
          </svg>
        </button>
      )}
      {fatal && (
        <div class="player-error" role="alert">
          {fatal}
        </div>
      )}
      <div class="player-controls">
        <div class="seek" onPointerMove={hoverAt} onPointerLeave={() => setHover(null)}>
          {hover && (
            <div class="seek-preview" style={{ left: `${hover.x}px` }}>
              {cue && (
                <div
                  class="seek-thumb"
                  style={{ width: `${cue.width}px`, height: `${cue.height}px`, backgroundImage: `url("${cue.url}")`, backgroundPosition: `-${cue.x}px -${cue.y}px` }}
                />
              )}
              <span>{formatClock(hover.time)}</span>
            </div>
          )}
          <div class="seek-buffered" style={{ width: `${duration ? (buffered / duration) * 100 : 0}%` }} />
          <input
            type="range"
            class="seek-range"
            min={0}
            max={duration || 0}
            step={0.1}
            value={time}
            aria-label="Seek"
            aria-valuetext={`${formatClock(time)} of ${formatClock(duration)}`}
            onInput={(e) => {
              const value = Number(e.currentTarget.value);
              video.current!.currentTime = value;
              setTime(value);
            }}
          />
        </div>
        <div class="controls-row">
          <button type="button" class="ctl" onClick={togglePlay} aria-label={paused ? "Play" : "Pause"}>
            <svg viewBox="0 0 24 24" aria-hidden="true">
              {paused ? <path d="M8 5v14l11-7z" /> : <path d="M6 5h4v14H6zM14 5h4v14h-4z" />}
            </svg>
          </button>
          <button type="button" class="ctl" onClick={() => (video.current!.muted = !muted)} aria-label={muted ? "Unmute" : "Mute"}>
            <svg viewBox="0 0 24 24" aria-hidden="true">
              {muted || volume === 0 ? <path d="M4 9v6h4l5 5V4L8 9zm12.6 3 2.7-2.7-1.4-1.4-2.7 2.7-2.7-2.7-1.4 1.4 2.7 2.7-2.7 2.7 1.4 1.4 2.7-2.7 2.7 2.7 1.4-1.4z" /> : <path d="M4 9v6h4l5 5V4L8 9zm11.5 3A4.5 4.5 0 0 0 13 8v8a4.5 4.5 0 0 0 2.5-4z" />}
            </svg>
          </button>
          <input
            type="range"
            class="volume"
            min={0}
            max={1}
            step={0.05}
            value={muted ? 0 : volume}
            aria-label="Volume"
            onInput={(e) => setVolumeTo(Number(e.currentTarget.value))}
          />
          <span class="time" aria-hidden="true">
            {formatClock(time)} / {formatClock(duration)}
          </span>
          <span class="spacer" />
          <label class="quality">
            <span class="visually-hidden">Quality</span>
            <select value={chosenLevel} onChange={(e) => chooseLevel(Number(e.currentTarget.value))} aria-label="Quality" disabled={engine !== "hls.js"}>
              <option value={-1}>{autoLabel}</option>
              {levels.map((level) => (
                <option key={level.index} value={level.index}>
                  {level.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" class="ctl" onClick={toggleFullscreen} aria-label="Full screen">
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M5 5h5v2H7v3H5zm9 0h5v5h-2V7h-3zM5 14h2v3h3v2H5zm12 0h2v5h-5v-2h3z" />
            </svg>
          </button>
        </div>
      </div>
    </div>
  );
}

/** Menu entries for hls.js levels, highest first ("720p", or "720p · 2.5 Mb/s" when two share a height). */
function qualityOptions(levels: Level[]): QualityOption[] {
  return levels
    .map((level, index) => ({ index, label: level.height ? `${Math.min(level.height, level.width || level.height)}p` : `${Math.round(level.bitrate / 1000)} kb/s`, bitrate: level.bitrate }))
    .sort((a, b) => b.bitrate - a.bitrate)
    .map(({ index, label }) => ({ index, label }));
}
