import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";
import { describeError } from "../api/errors.js";
import { field } from "../components/form-field.js";
import { signIn, signUp } from "../auth/session.js";
import { ErrorNote } from "../components/notes.js";
import { useTitle } from "./use-title.js";

/** Where to go after signing in: ?next= when it is a path on this site. */
function nextPath(next: string | undefined): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

/** Sign in with email and password. */
export function SignInPage() {
  const location = useLocation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useTitle("Sign in");
  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      await signIn(field(form, "email"), field(form, "password"));
      location.route(nextPath(location.query.next));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="page narrow">
      <form class="panel form" onSubmit={(e) => void submit(e)}>
        <h1>Sign in</h1>
        {error && <ErrorNote message={error} />}
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button class="btn btn-primary" type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p class="muted">
          New here? <a href={`/signup${location.query.next ? `?next=${encodeURIComponent(location.query.next)}` : ""}`}>Create an account</a>
        </p>
      </form>
    </div>
  );
}

/** Create an account (then signed in). */
export function SignUpPage() {
  const location = useLocation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useTitle("Sign up");
  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const password = field(form, "password");
    if (password !== field(form, "confirm")) {
      setError("The two passwords don't match.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signUp({ email: field(form, "email"), handle: field(form, "handle"), displayName: field(form, "displayName"), password });
      location.route(nextPath(location.query.next) === "/" ? "/studio?welcome=1" : nextPath(location.query.next));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="page narrow">
      <form class="panel form" onSubmit={(e) => void submit(e)}>
        <h1>Create your account</h1>
        {error && <ErrorNote message={error} />}
        <label>
          Name
          <input name="displayName" autoComplete="name" maxLength={100} />
        </label>
        <label>
          Handle
          <input name="handle" required pattern="[a-z0-9_]{3,30}" autoComplete="username" aria-describedby="handle-help" />
          <small id="handle-help" class="muted">
            3–30 lower-case letters, digits or underscores.
          </small>
        </label>
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="new-password" minLength={10} required aria-describedby="password-help" />
          <small id="password-help" class="muted">
            At least 10 characters.
          </small>
        </label>
        <label>
          Confirm password
          <input name="confirm" type="password" autoComplete="new-password" minLength={10} required />
        </label>
        <button class="btn btn-primary" type="submit" disabled={busy}>
          {busy ? "Creating…" : "Sign up"}
        </button>
        <p class="muted">
          Already have an account? <a href="/signin">Sign in</a>
        </p>
      </form>
    </div>
  );
}
