/** Helpers for tests against the real stack that ./dev.sh test starts. */
export { stackEnv } from "./stack-env.ts";
export type { StackEnv } from "./stack-env.ts";
export { createTestDatabase } from "./database.ts";
export type { TestDatabase } from "./database.ts";
export { createTestTokens } from "./tokens.ts";
export { createEchoService } from "./echo-service.ts";
export { codeOf, failureOf } from "./error-code.ts";
export { freePort, portOpen } from "./ports.ts";
export { stackComponent } from "./stack-control.ts";
export type { StackComponent } from "./stack-control.ts";
export { watchDeadLetters } from "./dead-letters.ts";
export type { DeadLetterWatch, SeenDeadLetter } from "./dead-letters.ts";
export { TEST_SERVICE_KEY } from "./service-key.ts";
export { collectEvents } from "./event-collector.ts";
export type { CollectedRecord, EventCollector } from "./event-collector.ts";
