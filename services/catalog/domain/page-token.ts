import { createHash } from "node:crypto";
import { invalidArgument } from "../../../lib/errors.ts";

/**
 * Opaque cursor tokens: base64url JSON naming the listing they belong to
 * (scope) and the last row's sort key. A token that does not decode, or
 * belongs to another listing, is INVALID_ARGUMENT.
 */
export interface PageCursor {
  /** Which listing (and its filters) the token belongs to. */
  scope: string;
  /** The last row's sort key values, in sort order (id last). */
  key: (string | number)[];
}

/** Encodes a cursor as an opaque page token. */
export function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify({ s: scopeTag(cursor.scope), k: cursor.key }), "utf8").toString("base64url");
}

/**
 * Decodes a page token for the given scope; undefined for the first page ("").
 * `shape` lists the expected type of each key element.
 */
export function decodePageToken(token: string, scope: string, shape: readonly ("string" | "number" | "uuid" | "time")[]): (string | number)[] | undefined {
  if (token === "") return undefined;
  const bad = () => invalidArgument("page_token: not a token from this listing");
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (typeof parsed !== "object" || parsed === null) throw bad();
  const { s, k } = parsed as { s?: unknown; k?: unknown };
  if (s !== scopeTag(scope) || !Array.isArray(k) || k.length !== shape.length) throw bad();
  return shape.map((type, index) => {
    const value: unknown = k[index];
    switch (type) {
      case "number":
        if (typeof value !== "number" || !Number.isFinite(value)) throw bad();
        return value;
      case "string":
        if (typeof value !== "string") throw bad();
        return value;
      case "uuid":
        if (typeof value !== "string" || !isUuid(value)) throw bad();
        return value;
      case "time":
        if (typeof value !== "string" || Number.isNaN(Date.parse(value))) throw bad();
        return value;
    }
  });
}

/** What a listing request says about paging. */
export interface PageRequest {
  /** "" for the first page. */
  pageToken: string;
  /** 0 for the listing's default. */
  pageSize: number;
}

/** One page of a listing and the token of the next ("" after the last). */
export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

/**
 * Cuts a page from rows fetched with one extra (limit + 1): the extra row
 * only says that another page exists; the token carries the last kept row's key.
 */
export function toPage<T>(rows: T[], limit: number, scope: string, keyOf: (last: T) => (string | number)[]): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextPageToken: rows.length > limit && last !== undefined ? encodePageToken({ scope, key: keyOf(last) }) : "" };
}

/** Page size: the requested one clamped to [1, max], or the default for 0. */
export function pageSize(requested: number, fallback: number, max: number): number {
  if (requested <= 0) return fallback;
  return Math.min(requested, max);
}

/** True for a canonical UUID string. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** A short digest of the scope, so tokens stay small whatever the listing's filters. */
function scopeTag(scope: string): string {
  return createHash("sha256").update(scope).digest("base64url").slice(0, 16);
}
