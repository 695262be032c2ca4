// `./dev.sh seed`: publishes the demo channel (a few generated clips, a
// playlist) on the running stack through the public API, so a fresh home page
// is not empty. Safe to run again: what exists is skipped. See scripts/seed/.
import { relative } from "node:path";
import { loadSeedOptions } from "./seed/config.ts";
import { createConsoleReporter } from "./seed/progress.ts";
import { runSeed } from "./seed/seed-demo.ts";

const started = Date.now();
try {
  const options = loadSeedOptions();
  const result = await runSeed({ ...options, reporter: createConsoleReporter() });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log();
  console.log(`Seeded in ${seconds} s: ${result.created.length} uploaded, ${result.skipped.length} already there${result.replaced ? `, ${result.replaced} replaced` : ""}.`);
  console.log(`    home page   ${options.gatewayUrl}/`);
  console.log(`    channel     ${options.gatewayUrl}/c/${result.channel.handle}`);
  console.log(`    playlist    ${options.gatewayUrl}/playlist/${result.playlist.id}`);
  const shown = relative(process.cwd(), result.credentialsPath);
  console.log(`    sign in as  ${result.user.email} (password in ${shown.startsWith("..") ? result.credentialsPath : shown}, mode 0600)`);
} catch (err) {
  console.error(`error: the seed stopped: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
