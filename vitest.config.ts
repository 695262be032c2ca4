import { defineConfig } from "vitest/config";

// Tests run against the real stack that ./dev.sh test starts and share its
// Kafka, PostgreSQL, Redis and MinIO. Two groups, one after the other:
// - "integration": most files, two at a time;
// - "serial": files that stop and restart a shared component (*outage.test.ts),
//   drive the whole platform in Chromium (test/web)
//   or run whole transcodes end to end (test/e2e, the demo seed, SIGKILLed workers), traces
//   (test/observability) or load (loadtest/), one at a time, so they neither disturb other files
//   nor starve each other of the two cores.
const serial = [
  "**/*outage.test.ts",
  "test/e2e/**/*.test.ts",
  "test/observability/**/*.test.ts",
  "test/web/**/*.test.ts",
  "scripts/seed/**/*.test.ts",
  "services/transcoder/sigkill.test.ts",
  "loadtest/**/*.test.ts",
  "test/hostile/**/*.test.ts",
];
const ignored = ["node_modules/**", ".tools/**", ".data/**", ".stack/**", "gen/**"];

export default defineConfig({
  test: {
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    projects: [
      {
        extends: true,
        test: {
          name: "integration",
          include: ["**/*.test.ts"],
          exclude: [...ignored, ...serial],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "serial",
          include: serial,
          exclude: ignored,
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
