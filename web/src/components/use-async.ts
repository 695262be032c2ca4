import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/errors.js";

/** The state of one asynchronous load. */
export type AsyncState<T> = { status: "loading" } | { status: "ready"; value: T } | { status: "error"; message: string; error: unknown };

/** Runs `load` whenever `deps` change; stale results are dropped. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): [AsyncState<T>, (value: T) => void] {
  const [state, setState] = useState<AsyncState<T>>({ status: "loading" });
  useEffect(() => {
    const controller = new AbortController();
    setState({ status: "loading" });
    load(controller.signal).then(
      (value) => !controller.signal.aborted && setState({ status: "ready", value }),
      (error: unknown) => !controller.signal.aborted && setState({ status: "error", message: describeError(error), error }),
    );
    return () => controller.abort();
  }, deps);
  return [state, (value: T) => setState({ status: "ready", value })];
}
