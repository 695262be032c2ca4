import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants as zlib, gzip } from "node:zlib";
import type { Logger } from "../lib/logger.ts";

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** A file served from memory whatever the directory holds (for example /app-config.json). */
export interface VirtualFile {
  body: string | Buffer;
  /** Defaults to the type of the path's extension. */
  contentType?: string;
}

export interface StaticSiteOptions {
  /** The built app (Vite's dist). Undefined or missing: only the virtual files are served. */
  dir?: string;
  /** Served at these paths (leading slash), ahead of files of the same name. */
  virtualFiles?: Record<string, VirtualFile>;
  /**
   * Checks at most this often (ms), while requests come in, whether the
   * directory changed (a rebuild, or it appeared), and reloads it. 0: never.
   * Default 1000.
   */
  revalidateMs?: number;
  logger: Logger;
}

/** The web app's files, held in memory with their compressed forms and ETags. */
export interface StaticSite {
  /**
   * Answers a GET or HEAD for a file, or for an SPA route (a path with no
   * file extension: index.html). False when the request is not the site's
   * (other methods, or no index.html for a route), so the caller goes on.
   */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
  /** How many files are loaded from the directory (0 when it is missing). */
  fileCount(): number;
  /** Resolves once the brotli forms, made in the background after a load, are ready. */
  settled(): Promise<void>;
}

interface Entry {
  body: Buffer;
  br?: Buffer;
  gzip?: Buffer;
  /** A digest of the body; each encoding's ETag adds a suffix. */
  hash: string;
  type: string;
}

/** Vite's hashed output: content-addressed, so cached for a year. */
const IMMUTABLE_PREFIX = "/assets/";
const IMMUTABLE = "public, max-age=31536000, immutable";
/** Everything else (index.html above all) is revalidated on every use; a 304 makes that cheap. */
const REVALIDATE = "no-cache";
/** Files this big are not loaded (a built app has none). */
const MAX_FILE_BYTES = 32 * 1024 * 1024;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".xml": "application/xml; charset=utf-8",
  ".vtt": "text/vtt; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".wasm": "application/wasm",
  ".mp4": "video/mp4",
};
const COMPRESSIBLE = /^(text\/|application\/(json|manifest\+json|xml|wasm)|image\/svg\+xml|font\/(ttf|otf))/;

/**
 * Loads a built web app into memory and serves it: hashed assets cached for a
 * year, everything else (index.html) revalidated with ETags, brotli or gzip
 * when the client accepts it (compressed once, at load), HEAD, and index.html
 * for SPA routes. Only files found at load time are served, so no request path
 * can reach outside the directory; dot-files and symlinks are skipped.
 */
export async function createStaticSite(options: StaticSiteOptions): Promise<StaticSite> {
  const { dir, logger } = options;
  const revalidateMs = options.revalidateMs ?? 1000;
  const virtual = new Map<string, Entry>();
  for (const [path, file] of Object.entries(options.virtualFiles ?? {})) {
    virtual.set(path, await entryFor(Buffer.from(file.body), file.contentType ?? typeOf(path)));
  }
  // Background brotli work, one load after another; a failure only leaves gzip in use.
  let compressed = Promise.resolve();
  const compressInBackground = (entries: Entry[]) => {
    compressed = compressed.then(() => addBrotli(entries)).catch((err: unknown) => logger.warn({ err }, "brotli compression failed; serving gzip"));
  };
  compressInBackground([...virtual.values()]);

  let files = new Map<string, Entry>();
  let signature = "";
  let lastCheck = Date.now();
  let checking = false;

  const load = async () => {
    if (!dir) return;
    const started = Date.now();
    const listing = await list(dir);
    const next = new Map<string, Entry>();
    for (const file of listing) {
      if (file.size > MAX_FILE_BYTES) {
        logger.warn({ path: file.path, bytes: file.size }, "web app file too big to serve from memory; skipped");
        continue;
      }
      next.set(file.path, await entryFor(await readFile(join(dir, file.path)), typeOf(file.path)));
    }
    files = next;
    signature = signatureOf(listing);
    compressInBackground([...next.values()]);
    const bytes = [...next.values()].reduce((sum, entry) => sum + entry.body.length, 0);
    if (next.size > 0) logger.info({ dir, files: next.size, bytes, ms: Date.now() - started }, "web app loaded");
    else logger.info({ dir }, "no web app build found; serving the API only");
  };
  await load();

  /** Reloads in the background when the directory's listing changed; requests meanwhile get the old files. */
  const revalidate = () => {
    if (!dir || revalidateMs <= 0 || checking || Date.now() - lastCheck < revalidateMs) return;
    checking = true;
    lastCheck = Date.now();
    list(dir)
      .then((listing) => (signatureOf(listing) === signature ? undefined : load()))
      .catch((err: unknown) => logger.warn({ err }, "web app reload failed"))
      .finally(() => {
        checking = false;
        lastCheck = Date.now();
      });
  };

  return {
    fileCount: () => files.size,
    settled: () => compressed,
    serve(req, res) {
      if (req.method !== "GET" && req.method !== "HEAD") return false;
      const path = requestPath(req.url ?? "/");
      if (path === undefined) {
        send(res, 404, "not found\n");
        return true;
      }
      revalidate();
      const key = path === "/" ? "/index.html" : path;
      const entry = virtual.get(key) ?? files.get(key);
      if (entry) {
        respond(req, res, entry, key.startsWith(IMMUTABLE_PREFIX) ? IMMUTABLE : REVALIDATE);
        return true;
      }
      // Dot-files are never loaded, and a dotted name is no SPA route either.
      if (path.startsWith(IMMUTABLE_PREFIX) || extname(path) !== "" || path.includes("/.")) {
        send(res, 404, "not found\n");
        return true;
      }
      const index = files.get("/index.html");
      if (!index) return false;
      respond(req, res, index, REVALIDATE);
      return true;
    },
  };
}

/** The decoded path of a request URL, or undefined when it is malformed or climbs ("..", "\", NUL). */
export function requestPath(url: string): string | undefined {
  const raw = url.split("?", 1)[0]!.split("#", 1)[0]!;
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (!path.startsWith("/") || /[\\\0]/.test(path)) return undefined;
  if (path.split("/").some((segment) => segment === ".." || segment === ".")) return undefined;
  return path;
}

function respond(req: IncomingMessage, res: ServerResponse, entry: Entry, cacheControl: string): void {
  const encoding = pickEncoding(req.headers["accept-encoding"], entry);
  const body = encoding ? entry[encoding]! : entry.body;
  const etag = `"${entry.hash}${encoding ? `-${encoding}` : ""}"`;
  const headers: Record<string, string | number> = {
    "Cache-Control": cacheControl,
    ETag: etag,
    "X-Content-Type-Options": "nosniff",
  };
  if (compressible(entry)) headers.Vary = [res.getHeader("Vary"), "Accept-Encoding"].filter(Boolean).join(", ");
  if (matches(req.headers["if-none-match"], etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  headers["Content-Type"] = entry.type;
  headers["Content-Length"] = body.length;
  if (encoding) headers["Content-Encoding"] = encoding;
  res.writeHead(200, headers);
  if (req.method === "HEAD") res.end();
  else res.end(body);
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text), "Cache-Control": REVALIDATE }).end(text);
}

/** The client's preferred encoding we hold (highest q; brotli on a tie), if any. */
function pickEncoding(header: string | undefined, entry: Entry): "br" | "gzip" | undefined {
  if (!header || (!entry.br && !entry.gzip)) return undefined;
  const weights = new Map<string, number>();
  for (const part of header.toLowerCase().split(",")) {
    const [name, ...params] = part.split(";").map((piece) => piece.trim());
    const q = params.map((param) => /^q=([0-9.]+)$/.exec(param)?.[1]).find((value) => value !== undefined);
    if (name) weights.set(name, q === undefined ? 1 : Number(q));
  }
  const weight = (name: string) => weights.get(name) ?? weights.get("*") ?? 0;
  const br = entry.br ? weight("br") : 0;
  const gz = entry.gzip ? weight("gzip") : 0;
  if (br > 0 && br >= gz) return "br";
  if (gz > 0) return "gzip";
  return undefined;
}

/** If-None-Match against our ETag (weak comparison, as RFC 9110 says for it). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const value = tag.trim();
    return value === "*" || value.replace(/^W\//, "") === etag;
  });
}

/** Compressed forms are kept only when they save a tenth. */
const worthIt = (compressed: Buffer, body: Buffer) => compressed.length < body.length * 0.9;
const compressible = (entry: Entry) => entry.body.length >= 256 && COMPRESSIBLE.test(entry.type);

/** An entry with its gzip form (gzip level 9 is fast enough to make at load; brotli 11 is made in the background). */
async function entryFor(body: Buffer, type: string): Promise<Entry> {
  const entry: Entry = { body, type, hash: createHash("sha256").update(body).digest("base64url").slice(0, 27) };
  if (compressible(entry)) {
    const gz = await gzipAsync(body, { level: 9 });
    if (worthIt(gz, body)) entry.gzip = gz;
  }
  return entry;
}

/**
 * Adds brotli forms at quality 11, one file at a time on zlib's thread pool:
 * ~1.6 s for a 500 KB bundle (8% smaller than quality 9), too slow to hold
 * start-up for, so gzip is served until it is done.
 */
async function addBrotli(entries: Entry[]): Promise<void> {
  for (const entry of entries) {
    if (!compressible(entry) || entry.br) continue;
    const br = await brotli(entry.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: entry.body.length } });
    if (worthIt(br, entry.body)) entry.br = br;
  }
}

function typeOf(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

interface Listed {
  path: string;
  size: number;
  mtimeMs: number;
}

/** Regular files under dir (as /relative/paths), without dot-files, dot-folders or symlinks; [] when dir is missing. */
async function list(dir: string, prefix = ""): Promise<Listed[]> {
  let entries;
  try {
    entries = await readdir(join(dir, prefix), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return [];
    throw err;
  }
  const out: Listed[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const relative = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await list(dir, relative)));
    else if (entry.isFile()) {
      const info = await stat(join(dir, relative));
      out.push({ path: relative, size: info.size, mtimeMs: info.mtimeMs });
    }
  }
  return out;
}

function signatureOf(listing: Listed[]): string {
  return listing
    .map((file) => `${file.path}:${file.size}:${file.mtimeMs}`)
    .sort()
    .join("\n");
}
