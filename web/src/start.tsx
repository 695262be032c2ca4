// The app itself, imported by main.tsx.
import { render } from "preact";
import { loadAppConfig } from "./api/config.js";
import { App } from "./app.js";
import { restoreSession } from "./auth/session.js";
import { prefetchWatch } from "./pages/watch-prefetch.js";
import { preloadHls } from "./player/hls-loader.js";

// Config and session restore run alongside the first render; pages wait for what they need.
void loadAppConfig();
void restoreSession();
// Opened straight on a watch page: fetch hls.js and the video's details while the app starts.
const watching = /^\/watch\/([0-9a-f-]{36})$/i.exec(location.pathname);
if (watching) {
  void preloadHls();
  prefetchWatch(watching[1]!);
}
render(<App />, document.getElementById("app")!);
