import { AppError } from "../errors.ts";

/**
 * What a consumer does with a failed record:
 * - "bad-input": no retry can fix it (undecodable, unknown type, invalid,
 *   not a video): dead-lettered at once with the reason;
 * - "infrastructure": a dependency is down or slow (PostgreSQL, MinIO, Kafka,
 *   the network, timeouts): waited out, with the offset kept, for as long as
 *   it takes;
 * - "unknown": anything else (a bug, a refusal no outage explains): retried a
 *   few times, then dead-lettered.
 */
export type ErrorClass = "bad-input" | "infrastructure" | "unknown";

/** An error that retrying cannot fix (bad input): dead-lettered at once. */
export class PermanentError extends AppError {
  constructor(message: string, options?: ErrorOptions) {
    super("failed_precondition", message, options);
    this.name = "PermanentError";
  }
}

/** A dependency is unavailable: the consumer waits and tries again, however long it takes. */
export class InfrastructureError extends AppError {
  constructor(message: string, options?: ErrorOptions) {
    super("unavailable", message, options);
    this.name = "InfrastructureError";
  }
}

// Node's socket and DNS errors, and undici's.
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);
// S3 (MinIO) answers that mean "not now": the server is starting, overloaded or broken.
const S3_UNAVAILABLE = new Set(["ServiceUnavailable", "SlowDown", "InternalError", "RequestTimeout", "XMinioServerNotInitialized", "XMinioReadQuorum", "XMinioWriteQuorum"]);
// SQLSTATE: 08 connection exception, 53 insufficient resources, 57P01-57P03 shutdown / cannot
// connect now, 57014 query cancelled (statement_timeout), 40001/40P01 serialization / deadlock,
// 55P03 lock not available.
const PG_TRANSIENT = /^(08...|53...|57P0[1-3]|57014|40001|40P01|55P03)$/;
// node-postgres reports a lost or unreachable server with plain messages.
const PG_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|the database system is (starting up|shutting down)/i;

/** The error, its causes and, for aggregate errors, their members. */
function* chain(error: unknown, depth = 0): Generator<unknown> {
  if (error === undefined || error === null || depth > 8) return;
  yield error;
  if (error instanceof AggregateError) for (const inner of error.errors) yield* chain(inner, depth + 1);
  if (error instanceof Error && error.cause !== undefined) yield* chain(error.cause, depth + 1);
}

function infrastructure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof InfrastructureError) return true;
  if (error instanceof AppError && (error.kind === "unavailable" || error.kind === "deadline_exceeded")) return true;
  const { code, retriable } = error as Error & { code?: unknown; retriable?: unknown };
  if (typeof code === "string" && (NETWORK_CODES.has(code) || S3_UNAVAILABLE.has(code) || PG_TRANSIENT.test(code))) return true;
  // kafkajs: connection errors, request timeouts, leaders moving, retries exhausted on any of them.
  if (error.name.startsWith("KafkaJS") && (retriable === true || /Connection|Timeout|NumberOfRetriesExceeded|BrokerNotFound/.test(error.name))) return true;
  if (error.name === "TimeoutError") return true; // AbortSignal.timeout on a request
  return PG_MESSAGES.test(error.message);
}

/** Classifies a handler's error by walking it and its causes. */
export function classifyError(error: unknown): ErrorClass {
  const all = [...chain(error)];
  if (all.some((each) => each instanceof PermanentError)) return "bad-input";
  if (all.some(infrastructure)) return "infrastructure";
  return "unknown";
}
