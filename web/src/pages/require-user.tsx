import type { User } from "@gen/xtream/identity/v1/identity_service_pb.js";
import type { ComponentChildren } from "preact";
import { useSession } from "../auth/session.js";
import { Spinner } from "../components/notes.js";

/** Renders `children(user)` when signed in, else a prompt to sign in that comes back here. */
export function RequireUser({ children }: { children: (user: User) => ComponentChildren }) {
  const { user, ready } = useSession();
  if (!ready) return <div class="page center"><Spinner /></div>;
  if (!user) {
    const back = encodeURIComponent(location.pathname + location.search);
    return (
      <div class="page narrow center">
        <h1>Sign in to continue</h1>
        <p class="muted">You need an account for this page.</p>
        <a class="btn btn-primary" href={`/signin?next=${back}`}>
          Sign in
        </a>
      </div>
    );
  }
  return <>{children(user)}</>;
}
