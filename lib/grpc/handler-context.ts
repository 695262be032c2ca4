import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { peerAddressKey } from "./peer.ts";

/** What every kind of grpc-js server call offers. */
export interface BaseCall {
  readonly metadata: grpc.Metadata;
  readonly cancelled: boolean;
  getDeadline(): grpc.Deadline;
  getPath(): string;
  getPeer(): string;
  sendMetadata(metadata: grpc.Metadata): void;
  on(event: "cancelled", listener: () => void): unknown;
}

const CLIENT_CANCELLED = new ConnectError("client cancelled the call", Code.Canceled);
const DEADLINE_EXCEEDED = new ConnectError("the operation timed out", Code.DeadlineExceeded);
const COMPLETED = new ConnectError("the call has completed", Code.Canceled);

/**
 * connect-es's HandlerContext over a grpc-js call, built lazily: request
 * headers are copied from the call's metadata, response headers and trailers
 * created, and the abort signal (client cancellation, deadline, forced
 * shutdown) wired, only when a handler first touches them. A cached read that
 * looks at none of them costs no Headers, no AbortController and no timer.
 * finish() ends the call: it aborts the signal (as connect-es does when an
 * RPC completes) and releases the deadline timer and the shutdown listener.
 */
export class GrpcHandlerContext implements HandlerContext {
  readonly protocolName = "grpc";
  readonly requestMethod = "POST";
  readonly service: DescService;
  readonly method: DescMethod;
  readonly #call: BaseCall;
  readonly #shutdownSignal: AbortSignal;
  #requestHeader: Headers | undefined;
  #responseHeader: Headers | undefined;
  #responseTrailer: Headers | undefined;
  #values: ContextValues | undefined;
  #controller: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #onShutdown: (() => void) | undefined;
  #finished = false;

  constructor(service: DescService, method: DescMethod, call: BaseCall, shutdownSignal: AbortSignal) {
    this.service = service;
    this.method = method;
    this.#call = call;
    this.#shutdownSignal = shutdownSignal;
  }

  get url(): string {
    return this.#call.getPath();
  }

  get requestHeader(): Headers {
    return (this.#requestHeader ??= headersFrom(this.#call.metadata));
  }

  get responseHeader(): Headers {
    return (this.#responseHeader ??= new Headers());
  }

  get responseTrailer(): Headers {
    return (this.#responseTrailer ??= new Headers());
  }

  get values(): ContextValues {
    return (this.#values ??= createContextValues().set(peerAddressKey, this.#call.getPeer()));
  }

  timeoutMs(): number | undefined {
    const deadlineMs = this.#deadlineMs();
    return deadlineMs === undefined ? undefined : deadlineMs - Date.now();
  }

  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = (this.#controller = new AbortController());
    const abort = (reason: unknown) => {
      if (controller.signal.aborted) return;
      controller.abort(reason);
      this.#release();
    };
    if (this.#finished) abort(COMPLETED);
    else if (this.#call.cancelled) abort(CLIENT_CANCELLED);
    else if (this.#shutdownSignal.aborted) abort(this.#shutdownSignal.reason);
    else {
      // grpc-js emits "cancelled" at the end of every call, so the reason is one shared object.
      this.#call.on("cancelled", () => abort(CLIENT_CANCELLED));
      this.#onShutdown = () => abort(this.#shutdownSignal.reason);
      this.#shutdownSignal.addEventListener("abort", this.#onShutdown, { once: true });
      const remaining = this.timeoutMs();
      if (remaining !== undefined) {
        if (remaining <= 0) abort(DEADLINE_EXCEEDED);
        else this.#timer = setTimeout(() => abort(DEADLINE_EXCEEDED), remaining);
      }
    }
    return controller.signal;
  }

  /** The response headers to send, or undefined when the handler set none. */
  headerMetadata(): grpc.Metadata | undefined {
    return metadataFrom(this.#responseHeader);
  }

  /** The response trailers to send, or undefined when the handler set none. */
  trailerMetadata(): grpc.Metadata | undefined {
    return metadataFrom(this.#responseTrailer);
  }

  /** The call is over: abort the signal if one was handed out, and release its timer and listener. */
  finish(): void {
    this.#finished = true;
    if (this.#controller && !this.#controller.signal.aborted) this.#controller.abort(COMPLETED);
    this.#release();
  }

  #release(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#onShutdown) this.#shutdownSignal.removeEventListener("abort", this.#onShutdown);
    this.#onShutdown = undefined;
  }

  #deadlineMs(): number | undefined {
    const deadline = this.#call.getDeadline();
    const ms = deadline instanceof Date ? deadline.getTime() : deadline;
    return Number.isFinite(ms) ? ms : undefined;
  }
}

function headersFrom(metadata: grpc.Metadata): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(metadata.getMap())) {
    headers.append(key, typeof value === "string" ? value : value.toString("base64"));
  }
  return headers;
}

function metadataFrom(headers: Headers | undefined): grpc.Metadata | undefined {
  let metadata: grpc.Metadata | undefined;
  headers?.forEach((value, key) => {
    if (key.endsWith("-bin")) return;
    metadata ??= new grpc.Metadata();
    metadata.add(key, value);
  });
  return metadata;
}
