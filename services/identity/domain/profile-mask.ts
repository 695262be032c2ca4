import { invalidArgument } from "../../../lib/errors.ts";
import type { ProfileChanges } from "./ports.ts";

/** The field-mask paths UpdateProfile accepts (fields of the Profile message). */
export const PROFILE_MASK_PATHS = ["display_name", "bio", "avatar_url"] as const;

/** The profile fields as the request carries them. */
export interface ProfileInput {
  displayName: string;
  bio: string;
  avatarUrl: string;
}

/**
 * Picks the fields named by an update mask out of a profile. An empty mask or
 * a path that is not a Profile field is INVALID_ARGUMENT naming update_mask;
 * an avatar URL must be http(s) (a javascript: or data: URL would end up in
 * other people's pages).
 */
export function profileChangesFromMask(profile: ProfileInput, paths: readonly string[]): ProfileChanges {
  if (paths.length === 0) throw invalidArgument(`update_mask: name at least one of ${PROFILE_MASK_PATHS.join(", ")}`);
  const changes: ProfileChanges = {};
  for (const path of paths) {
    switch (path) {
      case "display_name":
        changes.displayName = profile.displayName.trim();
        break;
      case "bio":
        changes.bio = profile.bio;
        break;
      case "avatar_url":
        if (profile.avatarUrl !== "" && !/^https?:\/\//i.test(profile.avatarUrl)) throw invalidArgument("profile.avatar_url: must be an http or https URL");
        changes.avatarUrl = profile.avatarUrl;
        break;
      default:
        throw invalidArgument(`update_mask: unknown path ${JSON.stringify(path.slice(0, 64))}; allowed: ${PROFILE_MASK_PATHS.join(", ")}`);
    }
  }
  return changes;
}
