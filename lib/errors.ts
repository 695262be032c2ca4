/**
 * Domain errors. Domain code throws these (never transport errors); the gRPC
 * layer maps each kind to a canonical status code in one place
 * (lib/grpc/status.ts). Messages are shown to callers: say what was wrong
 * with their request, never internals.
 */
export type ErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "permission_denied"
  | "unauthenticated"
  | "failed_precondition"
  | "out_of_range"
  | "resource_exhausted"
  | "aborted"
  | "unavailable"
  | "deadline_exceeded"
  | "cancelled";

/** An error whose message is safe to show to the caller. */
export class AppError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.name = "AppError";
  }
}

export const invalidArgument = (message: string) => new AppError("invalid_argument", message);
export const notFound = (message: string) => new AppError("not_found", message);
export const alreadyExists = (message: string) => new AppError("already_exists", message);
export const permissionDenied = (message = "permission denied") => new AppError("permission_denied", message);
export const unauthenticated = (message = "authentication required") => new AppError("unauthenticated", message);
export const failedPrecondition = (message: string) => new AppError("failed_precondition", message);
export const outOfRange = (message: string) => new AppError("out_of_range", message);
export const resourceExhausted = (message: string) => new AppError("resource_exhausted", message);
export const unavailable = (message: string) => new AppError("unavailable", message);
