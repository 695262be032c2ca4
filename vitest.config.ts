import { defineConfig } from "vitest/config";

// Tests run against the real stack that ./dev.sh test starts; they share
// Kafka/PostgreSQL/MinIO, so files run in a few forks rather than all at once.
export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", ".tools/**", ".data/**", "gen/**"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
