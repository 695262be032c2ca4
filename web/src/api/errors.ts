import { Code, ConnectError } from "@connectrpc/connect";

/** The words a person sees when a call fails: the gateway's message, or a plain fallback per code. */
export function describeError(err: unknown): string {
  if (err instanceof DOMException && err.name === "AbortError") return "Cancelled.";
  const error = ConnectError.from(err);
  const fallback = FALLBACKS[error.code] ?? "Something went wrong. Please try again.";
  // Network failures arrive as Unknown/Unavailable with the browser's own words ("Failed to fetch").
  if (error.code === Code.Unavailable || /fetch|network/i.test(error.rawMessage)) return FALLBACKS[Code.Unavailable]!;
  if (error.code === Code.Internal || error.code === Code.Unknown) return fallback;
  return error.rawMessage ? capitalise(error.rawMessage) : fallback;
}

/** True for failures worth retrying as they are: the network or a briefly unavailable service. */
export function isTransient(err: unknown): boolean {
  const error = ConnectError.from(err);
  return error.code === Code.Unavailable || error.code === Code.DeadlineExceeded || error.code === Code.ResourceExhausted || (error.code === Code.Unknown && /fetch|network/i.test(error.rawMessage));
}

/** The Connect code of a failure (Unknown for anything that is not a ConnectError). */
export function errorCode(err: unknown): Code {
  return ConnectError.from(err).code;
}

const FALLBACKS: Partial<Record<Code, string>> = {
  [Code.Unavailable]: "Xtream can't be reached right now. Check your connection and try again.",
  [Code.Unauthenticated]: "Please sign in to continue.",
  [Code.PermissionDenied]: "You don't have access to this.",
  [Code.NotFound]: "We couldn't find that.",
  [Code.ResourceExhausted]: "Too many requests. Wait a moment and try again.",
  [Code.DeadlineExceeded]: "That took too long. Please try again.",
};

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
