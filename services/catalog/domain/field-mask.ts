import { invalidArgument } from "../../../lib/errors.ts";

/**
 * Checks a FieldMask's paths against the fields an update may change: an
 * unknown path (or none at all) is INVALID_ARGUMENT naming it. Returns the
 * paths as a set, duplicates removed.
 */
export function parseUpdateMask<const F extends string>(paths: readonly string[], allowed: readonly F[]): Set<F> {
  if (paths.length === 0) throw invalidArgument("update_mask: name at least one field to update");
  const fields = new Set<F>();
  for (const path of paths) {
    if (!(allowed as readonly string[]).includes(path)) {
      throw invalidArgument(`update_mask: field "${path}" cannot be updated (updatable: ${allowed.join(", ")})`);
    }
    fields.add(path as F);
  }
  return fields;
}
