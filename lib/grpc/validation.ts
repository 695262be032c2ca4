import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { Code, ConnectError } from "@connectrpc/connect";
import { createValidator, type Violation } from "@bufbuild/protovalidate";
import { UndecodableRequest } from "./service-definition.ts";

const validator = createValidator();

/**
 * Checks a request against its protovalidate rules (and that it decoded at all). Throws INVALID_ARGUMENT
 * whose message names each offending field, e.g. `email: value must be a valid email address`.
 */
export function validateRequest<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): void {
  if ((message as unknown) instanceof UndecodableRequest) {
    const undecodable = message as unknown as UndecodableRequest;
    throw new ConnectError(`request is not a valid ${undecodable.typeName} message (${undecodable.reason})`, Code.InvalidArgument);
  }
  const result = validator.validate(schema, message);
  if (result.kind === "valid") return;
  if (result.kind === "invalid") {
    throw new ConnectError(result.error.violations.map(describeViolation).join("; "), Code.InvalidArgument);
  }
  // A rule that cannot be compiled or evaluated is our bug, not the caller's.
  throw new ConnectError("internal error", Code.Internal, undefined, undefined, result.error);
}

function describeViolation(violation: Violation): string {
  const path = pathToString(violation.field);
  return path ? `${path}: ${violation.message}` : violation.message;
}
