// The entry point: small, so that on a watch page opened from a link, hls.js
// (already on its way, see boot/early-watch.ts) can evaluate and start on the
// master playlist before the app's own JS runs. The app's chunk is preloaded
// by index.html, so waiting costs no round trip; the wait is capped, so a slow
// answer does not hold the app back.
import { EARLY_WATCH_GLOBAL, type EarlyWatch } from "./boot/early-watch.js";
import "./styles.css";

const early = (window as unknown as Record<string, EarlyWatch | undefined>)[EARLY_WATCH_GLOBAL];
const within = <T,>(ms: number, promise: Promise<T>) => Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(resolve, ms))]);
if (early) {
  const started = await within(300, early.player);
  // …and until it asks for the first segment (master and media playlist in), which then loads while the app evaluates.
  const hls = started?.hls as { once(event: string, listener: () => void): void } | undefined;
  if (hls) await within(200, new Promise<void>((resolve) => hls.once("hlsFragLoading", resolve)));
}
await import("./start.js");
