import { ErrorBoundary, LocationProvider, Route, Router, useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { signOut, useSession } from "./auth/session.js";
import { AccountPage } from "./pages/account.js";
import { ChannelPage } from "./pages/channel.js";
import { HomePage } from "./pages/home.js";
import { NotFoundPage } from "./pages/not-found.js";
import { PlaylistPage } from "./pages/playlist.js";
import { PlaylistsPage } from "./pages/playlists.js";
import { SearchPage } from "./pages/search.js";
import { SignInPage, SignUpPage } from "./pages/sign-in.js";
import { StudioPage } from "./pages/studio.js";
import { UploadPage } from "./pages/upload.js";
import { WatchPage } from "./pages/watch.js";

/** The app: header, routes, and a live region for notices. */
export function App() {
  return (
    <LocationProvider>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        <ErrorBoundary>
          <Router>
            <Route path="/" component={HomePage} />
            <Route path="/search" component={SearchPage} />
            <Route path="/watch/:id" component={WatchPage} />
            <Route path="/c/:handle" component={ChannelPage} />
            <Route path="/signin" component={SignInPage} />
            <Route path="/signup" component={SignUpPage} />
            <Route path="/account" component={AccountPage} />
            <Route path="/upload" component={UploadPage} />
            <Route path="/studio" component={StudioPage} />
            <Route path="/playlists" component={PlaylistsPage} />
            <Route path="/playlist/:id" component={PlaylistPage} />
            <Route default component={NotFoundPage} />
          </Router>
        </ErrorBoundary>
      </main>
    </LocationProvider>
  );
}

function Header() {
  const { user, ready } = useSession();
  const location = useLocation();
  const [query, setQuery] = useState(location.path === "/search" ? (location.query.q ?? "") : "");
  const [menuOpen, setMenuOpen] = useState(false);

  // Results as you type: the search page follows the box, debounced.
  useEffect(() => {
    const q = query.trim();
    if (location.path !== "/search" && !q) return;
    if (location.path === "/search" && (location.query.q ?? "") === q) return;
    const timer = setTimeout(() => {
      const params = new URLSearchParams(location.path === "/search" ? location.query : {});
      params.set("q", q);
      location.route(`/search?${params.toString()}`, location.path === "/search");
    }, 250);
    return () => clearTimeout(timer);
  }, [query]);
  useEffect(() => setMenuOpen(false), [location.url]);

  return (
    <header class="topbar">
      <a class="logo" href="/" aria-label="Xtream home">
        <svg viewBox="0 0 32 32" aria-hidden="true">
          <rect width="32" height="32" rx="8" />
          <path d="M12 9l12 7-12 7z" />
        </svg>
        <span>Xtream</span>
      </a>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (query.trim()) location.route(`/search?q=${encodeURIComponent(query.trim())}`);
        }}
      >
        <input type="search" placeholder="Search videos" aria-label="Search videos" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      </form>
      <nav class="nav" aria-label="Account">
        {user ? (
          <>
            <a class="btn btn-primary" href="/upload">
              Upload
            </a>
            <div class="menu">
              <button type="button" class="avatar" aria-haspopup="true" aria-expanded={menuOpen} aria-label="Your account" onClick={() => setMenuOpen(!menuOpen)}>
                {(user.displayName || user.handle).charAt(0).toUpperCase()}
              </button>
              {menuOpen && (
                <div class="menu-list" role="menu">
                  <p class="menu-who">
                    <strong>{user.displayName || user.handle}</strong>
                    <span class="muted">@{user.handle}</span>
                  </p>
                  <a role="menuitem" href="/studio">
                    Studio
                  </a>
                  <a role="menuitem" href="/playlists">
                    Playlists
                  </a>
                  <a role="menuitem" href="/account">
                    Account
                  </a>
                  <button
                    type="button"
                    role="menuitem"
                    onClick={() => {
                      void signOut().finally(() => location.route("/"));
                    }}
                  >
                    Sign out
                  </button>
                </div>
              )}
            </div>
          </>
        ) : (
          ready && (
            <>
              <a class="btn" href="/signin">
                Sign in
              </a>
              <a class="btn btn-primary" href="/signup">
                Sign up
              </a>
            </>
          )
        )}
      </nav>
    </header>
  );
}
