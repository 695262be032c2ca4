import { Code, ConnectError } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Session, User } from "@gen/xtream/identity/v1/identity_service_pb.js";
import { useEffect, useState } from "preact/hooks";
import { api, COOKIE_SESSION_HEADERS, setAccessTokenSource } from "../api/clients.js";
import { SIGNED_IN_HINT_KEY } from "../boot/early-watch.js";
import { TokenRefresher, type AccessToken } from "./token-refresher.js";

/*
 * Where the tokens live, and why:
 * - the access token (minutes) only in memory, so script injection cannot read
 *   it from storage after the tab is gone, and nothing persists it;
 * - the refresh token (days) only in an HttpOnly, SameSite=Strict cookie the
 *   gateway sets and reads on the IdentityService paths alone, so no script can
 *   read it at all and other sites cannot send it;
 * - localStorage keeps only a "was signed in" hint, so anonymous visitors do
 *   not send a useless Refresh on every page load.
 * Tabs share the cookie; a Web Lock serialises refreshes across them and a
 * BroadcastChannel hands a new access token to the others.
 */
const HINT_KEY = SIGNED_IN_HINT_KEY;
const LOCK_NAME = "xtream-token-refresh";
const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("xtream-session") : null;

type Listener = (user: User | null) => void;
let user: User | null = null;
let ready = false;
const listeners = new Set<Listener>();

const refresher = new TokenRefresher({
  refresh: async () => {
    try {
      const { session } = await api.session.refresh({ refreshToken: "" }, { headers: COOKIE_SESSION_HEADERS });
      return toAccessToken(session);
    } catch (err) {
      if (ConnectError.from(err).code === Code.Unauthenticated || ConnectError.from(err).code === Code.InvalidArgument) return null;
      throw err;
    }
  },
  withLock: (task) => (navigator.locks ? navigator.locks.request(LOCK_NAME, task) : task()),
  publish: (token) => channel?.postMessage({ token }),
  onChange: (token) => {
    if (!token) setUser(null);
  },
});
setAccessTokenSource((force) => refresher.accessToken({ force }));

channel?.addEventListener("message", (event: MessageEvent<{ token: AccessToken | null; user?: User }>) => {
  const { token } = event.data;
  if (token) refresher.set(token, { announce: false });
  else if (user) {
    refresher.clear({ announce: false });
    localStorage.removeItem(HINT_KEY);
  }
});

function toAccessToken(session: Session | undefined): AccessToken | null {
  if (!session?.accessToken || !session.accessTokenExpireTime) return null;
  return { token: session.accessToken, expiresAt: timestampMs(session.accessTokenExpireTime) };
}

function setUser(next: User | null): void {
  user = next;
  for (const listener of listeners) listener(user);
}

async function adopt(session: Session | undefined, signedIn: User | undefined): Promise<User> {
  const token = toAccessToken(session);
  if (!token) throw new Error("The sign-in response had no session.");
  refresher.set(token);
  localStorage.setItem(HINT_KEY, "1");
  const profile = signedIn ?? (await api.identity.getProfile({ userId: "" })).user;
  setUser(profile ?? null);
  return profile!;
}

/** Restores the session from the refresh cookie at start-up (only when this browser was signed in). */
export async function restoreSession(): Promise<void> {
  try {
    if (localStorage.getItem(HINT_KEY) !== "1") return;
    const token = await refresher.renew();
    if (!token) {
      localStorage.removeItem(HINT_KEY);
      return;
    }
    setUser((await api.identity.getProfile({ userId: "" })).user ?? null);
  } catch {
    // Offline or the gateway is down: stay signed out for now; the hint stays for next time.
  } finally {
    ready = true;
    for (const listener of listeners) listener(user);
  }
}

/** Signs in with email and password. */
export async function signIn(email: string, password: string): Promise<User> {
  const response = await api.session.login({ email, password }, { headers: COOKIE_SESSION_HEADERS });
  return adopt(response.session, response.user);
}

/** Creates an account and signs in. */
export async function signUp(input: { email: string; handle: string; password: string; displayName: string }): Promise<User> {
  const response = await api.session.register(input, { headers: COOKIE_SESSION_HEADERS });
  return adopt(response.session, response.user);
}

/** Signs out here and in every tab; the gateway clears the cookie. */
export async function signOut(): Promise<void> {
  try {
    await api.session.logout({ refreshToken: "" }, { headers: COOKIE_SESSION_HEADERS });
  } finally {
    localStorage.removeItem(HINT_KEY);
    refresher.clear();
  }
}

/** Replaces the signed-in user after a profile change. */
export function updateCurrentUser(next: User): void {
  setUser(next);
}

/** The signed-in user (null when signed out) and whether the start-up restore has finished. */
export function useSession(): { user: User | null; ready: boolean } {
  const [state, setState] = useState({ user, ready });
  useEffect(() => {
    const listener: Listener = (next) => setState({ user: next, ready });
    listeners.add(listener);
    listener(user);
    return () => void listeners.delete(listener);
  }, []);
  return state;
}

/** The signed-in user right now, outside components. */
export function currentUser(): User | null {
  return user;
}
