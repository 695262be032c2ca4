/**
 * The playback service as the edge benches run it, in its own process:
 * started through services/playback/runtime.ts (as main.ts starts it) against
 * the local stack's Redis and MinIO, a hot memory tier, HLS requests traced at
 * the default sampling, no purge consumer. Run it with
 * `--import ./lib/telemetry/register.ts` and playback's processEnv (k8s/xtream/values.yaml),
 * as the edge is deployed.
 * Usage: node edge-server.ts <httpPort> <grpcPort> <catalogAddress> <memoryBytes> [visibilityTtlMs]
 */
import { createLogger } from "../../lib/logger.ts";
import { DEFAULT_TRACE_SAMPLE_RATIO } from "../../services/playback/config.ts";
import { startPlayback } from "../../services/playback/runtime.ts";
import { stackPlaybackOptions } from "../../services/playback/testing.ts";

const [httpPort, grpcPort, catalogAddress = "", memoryBytes, visibilityTtlMs] = process.argv.slice(2);
const playback = await startPlayback({
  ...stackPlaybackOptions({ catalogAddress, logger: createLogger("playback", "warn") }),
  httpPort: Number(httpPort),
  grpcPort: Number(grpcPort),
  cache: { memoryMaxBytes: Number(memoryBytes), ...(visibilityTtlMs ? { visibilityTtlMs: Number(visibilityTtlMs) } : {}) },
  traceSampleRatio: DEFAULT_TRACE_SAMPLE_RATIO,
});
process.once("SIGTERM", () => void playback.stop().then(() => process.exit(0)));
