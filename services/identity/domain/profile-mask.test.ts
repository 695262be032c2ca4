import { describe, expect, it } from "vitest";
import { AppError } from "../../../lib/errors.ts";
import { profileChangesFromMask } from "./profile-mask.ts";

const profile = { displayName: " Ada ", bio: "bio", avatarUrl: "https://example.com/a.png" };

describe("profileChangesFromMask", () => {
  it("picks only the named fields", () => {
    expect(profileChangesFromMask(profile, ["bio"])).toEqual({ bio: "bio" });
    expect(profileChangesFromMask(profile, ["display_name", "avatar_url"])).toEqual({ displayName: "Ada", avatarUrl: "https://example.com/a.png" });
  });

  it("lets a named empty field clear it", () => {
    expect(profileChangesFromMask({ displayName: "", bio: "", avatarUrl: "" }, ["bio", "avatar_url"])).toEqual({ bio: "", avatarUrl: "" });
  });

  it.each([[[]], [["email"]], [["bio", "password_hash"]], [["displayName"]]])("rejects mask %j naming update_mask", (paths) => {
    expect(() => profileChangesFromMask(profile, paths)).toThrow(AppError);
    expect(() => profileChangesFromMask(profile, paths)).toThrow(/update_mask/);
  });

  it("rejects avatar URLs that are not http(s)", () => {
    for (const avatarUrl of ["javascript:alert(1)", "data:text/html,x", "ftp://example.com/a"]) {
      expect(() => profileChangesFromMask({ ...profile, avatarUrl }, ["avatar_url"])).toThrow(/avatar_url/);
    }
  });
});
