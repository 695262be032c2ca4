/** The transcoder process: config → options → startTranscoder (runtime.ts). */
import { runService } from "../../lib/process/index.ts";
import { loadTranscoderConfig, transcoderOptions } from "./config.ts";
import { startTranscoder } from "./runtime.ts";

runService({
  name: "transcoder",
  stopTimeoutMs: 20_000,
  async start(logger) {
    const config = loadTranscoderConfig();
    logger.level = config.LOG_LEVEL;
    const transcoder = await startTranscoder(transcoderOptions(config, logger));
    logger.info({ port: transcoder.healthPort }, "health listening");
    return {
      // A job in flight gets TRANSCODER_STOP_GRACE_MS to finish; then ffmpeg is killed and the job is redone elsewhere.
      stopTimeoutMs: config.TRANSCODER_STOP_GRACE_MS + 15_000,
      stop: () => transcoder.stop(),
    };
  },
});
