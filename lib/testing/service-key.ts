import { randomBytes } from "node:crypto";

/**
 * The internal service credential tests and benches give the catalog and the
 * upload service they start (INTERNAL_SERVICE_KEYS in production), random per process.
 */
export const TEST_SERVICE_KEY = randomBytes(32).toString("hex");
