export * from "./run-service.ts";
export * from "./keep-retrying.ts";
export * from "./dial-address.ts";
