import { useTitle } from "./use-title.js";

/** Any URL the app does not know. */
export function NotFoundPage() {
  useTitle("Not found");
  return (
    <div class="page narrow center">
      <h1>Page not found</h1>
      <p class="muted">The link may be broken, or the page may have moved.</p>
      <a class="btn btn-primary" href="/">
        Go home
      </a>
    </div>
  );
}
