// A process for loadtest/soak.test.ts to watch beside the services, run as
// `node --import ./lib/telemetry/register.ts loadtest/lib/soak-fixture.ts leak|steady`
// so it exports the same runtime metrics they do.
//   leak    keeps 2.5 MiB more of arrays every second (heap and RSS grow ~9 GiB/h)
//           and opens /dev/null once a second without closing it (fds grow 3,600/h)
//   steady  makes and drops garbage all the time (a GC sawtooth) and keeps nothing
// Either exits by itself after 5 minutes, in case the test that started it could not stop it.
import { openSync } from "node:fs";

const mode = process.argv[2];
if (mode !== "leak" && mode !== "steady") {
  console.error("usage: soak-fixture.ts leak|steady");
  process.exit(2);
}
const kept: number[][] = [];
const fds: number[] = [];
let ticks = 0;
setInterval(() => {
  ticks++;
  if (mode === "leak") {
    // 32,768 numbers of 8 bytes: 256 KiB, straight into V8's large-object space (old generation),
    // so the heap grows in a clean line rather than through the young generation's churn.
    kept.push(new Array<number>(32768).fill(ticks));
    if (ticks % 10 === 0) fds.push(openSync("/dev/null", "r"));
  } else {
    const garbage = Array.from({ length: 2000 }, (_, i) => ({ i, text: `item ${i}` }));
    if (garbage.length !== 2000) console.log("unreachable");
  }
}, 100);
setTimeout(() => process.exit(0), 5 * 60_000).unref();
