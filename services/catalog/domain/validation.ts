import { invalidArgument } from "../../../lib/errors.ts";

/**
 * Value rules for fields set through update masks (the create requests carry
 * the same rules as protovalidate annotations; an update's resource message
 * has none, so they are checked here).
 */
export function checkText(field: string, value: string, min: number, max: number): string {
  const length = [...value].length;
  if (length < min) throw invalidArgument(`${field}: must be at least ${min} character${min === 1 ? "" : "s"}`);
  if (length > max) throw invalidArgument(`${field}: must be at most ${max} characters`);
  return value;
}

/** Tags: at most 30, unique, each 1–50 characters. */
export function checkTags(field: string, tags: readonly string[]): string[] {
  if (tags.length > 30) throw invalidArgument(`${field}: at most 30 tags`);
  if (new Set(tags).size !== tags.length) throw invalidArgument(`${field}: tags must be unique`);
  tags.forEach((tag, index) => checkText(`${field}[${index}]`, tag, 1, 50));
  return [...tags];
}

/** A BCP 47 language tag (or "" for none). */
export function checkLanguage(field: string, value: string): string {
  if (value !== "" && !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(value)) throw invalidArgument(`${field}: not a language tag such as "en" or "pt-BR"`);
  return value;
}

/** A channel handle: lower-case letters, digits and underscores, 3–30. */
export function checkHandle(field: string, value: string): string {
  if (!/^[a-z0-9_]{3,30}$/.test(value)) throw invalidArgument(`${field}: 3–30 lower-case letters, digits or underscores`);
  return value;
}

/** A visibility number that is PUBLIC, UNLISTED or PRIVATE. */
export function checkVisibility(field: string, value: number): 1 | 2 | 3 {
  if (value !== 1 && value !== 2 && value !== 3) throw invalidArgument(`${field}: must be PUBLIC, UNLISTED or PRIVATE`);
  return value;
}
