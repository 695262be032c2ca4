import type { ComponentChildren } from "preact";
/** A failure a person can read, with an optional retry. */
export function ErrorNote({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div class="note note-error" role="alert">
      <span>{message}</span>
      {onRetry && (
        <button type="button" class="btn btn-small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A neutral message (processing, empty states). */
export function InfoNote({ children }: { children: ComponentChildren }) {
  return (
    <div class="note" role="status">
      {children}
    </div>
  );
}

/** A small spinner with a label for screen readers. */
export function Spinner({ label = "Loading" }: { label?: string }) {
  return <span class="spinner" role="status" aria-label={label} />;
}
