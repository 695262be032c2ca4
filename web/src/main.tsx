import { render } from "preact";
import { loadAppConfig } from "./api/config.js";
import { App } from "./app.js";
import { restoreSession } from "./auth/session.js";
import "./styles.css";

// Config and session restore run alongside the first render; pages wait for what they need.
void loadAppConfig();
void restoreSession();
render(<App />, document.getElementById("app")!);
