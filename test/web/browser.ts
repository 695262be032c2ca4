// Debian's Chromium driven by playwright-core: no browser download at run time.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

const ROOT = join(import.meta.dirname, "..", "..");
/** Screenshots of the main pages land here (git-ignored); look at them. */
export const SCREENSHOT_DIR = join(ROOT, "test-artifacts", "web");
const CHROMIUM = process.env.XTREAM_CHROMIUM ?? "/usr/bin/chromium";

/** Launches headless Chromium with a fresh profile. */
export async function launchBrowser(): Promise<Browser> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      // The watch page starts playing on its own, as it would after a click in a real session.
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

/** A browser context (one person) that records every console error and uncaught exception. */
export interface Visitor {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions so far; a journey fails on any not allowed. */
  errors: string[];
  /**
   * Failures a journey provokes on purpose: Chromium itself logs "Failed to load resource" for a
   * request cut by a simulated network loss, or answered 404 when a video is refused (Connect
   * maps NOT_FOUND to HTTP 404). Only those exact requests are allowed; anything else fails.
   */
  allowed: RegExp[];
  /** The errors not allowed. */
  unexpectedErrors(): string[];
  close(): Promise<void>;
}

/** Opens a new person's browser (own cookies and storage). `mobile` uses a phone's viewport. */
export async function newVisitor(browser: Browser, { mobile = false }: { mobile?: boolean } = {}): Promise<Visitor> {
  const context = await browser.newContext(mobile ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } : { viewport: { width: 1366, height: 860 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const watch = (p: Page) => {
    p.on("console", (message) => {
      if (message.type() === "error") errors.push(`console: ${message.text()} (${message.location().url})`);
    });
    p.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
  };
  watch(page);
  context.on("page", watch);
  const allowed: RegExp[] = [];
  return {
    context,
    page,
    errors,
    allowed,
    unexpectedErrors: () => errors.filter((error) => !allowed.some((pattern) => pattern.test(error))),
    close: () => context.close(),
  };
}

/** Saves a full-page screenshot as test-artifacts/web/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
