import { Code, ConnectError } from "@connectrpc/connect";
import { Metadata, type StatusObject } from "@grpc/grpc-js";
import { AppError, type ErrorKind } from "../errors.ts";

const codeByKind: Record<ErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  permission_denied: Code.PermissionDenied,
  unauthenticated: Code.Unauthenticated,
  failed_precondition: Code.FailedPrecondition,
  out_of_range: Code.OutOfRange,
  resource_exhausted: Code.ResourceExhausted,
  aborted: Code.Aborted,
  unavailable: Code.Unavailable,
  deadline_exceeded: Code.DeadlineExceeded,
  cancelled: Code.Canceled,
};

/**
 * The one place where errors become canonical status codes. ConnectErrors pass
 * through; AppErrors map by kind; anything else is an internal error whose
 * detail stays in the logs and never reaches the caller.
 */
export function toConnectError(err: unknown): { error: ConnectError; internal: boolean } {
  if (err instanceof ConnectError) return { error: err, internal: err.code === Code.Internal || err.code === Code.Unknown };
  if (err instanceof AppError) return { error: new ConnectError(err.message, codeByKind[err.kind]), internal: false };
  return { error: new ConnectError("internal error", Code.Internal), internal: true };
}

/** Converts a ConnectError to the status object grpc-js sends. */
export function toGrpcStatus(error: ConnectError): Partial<StatusObject> {
  const metadata = new Metadata();
  error.metadata.forEach((value, key) => {
    if (!key.endsWith("-bin")) metadata.add(key, value);
  });
  // Connect's Code values are the canonical gRPC status numbers.
  return { code: error.code as number, details: error.rawMessage, metadata };
}
