/**
 * Loaded with `node --import ./lib/telemetry/register.ts <main>` so that
 * OpenTelemetry starts before any instrumented module is imported. The ESM
 * loader hook lets instrumentations patch modules loaded with `import`.
 */
import { register } from "node:module";
import { startTelemetry } from "./sdk.ts";

register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
startTelemetry();
