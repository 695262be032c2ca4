import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import type { User } from "@gen/xtream/identity/v1/identity_service_pb.js";
import { useState } from "preact/hooks";
import { api } from "../api/clients.js";
import { field } from "../components/form-field.js";
import { describeError } from "../api/errors.js";
import { updateCurrentUser } from "../auth/session.js";
import { ErrorNote, InfoNote } from "../components/notes.js";
import { RequireUser } from "./require-user.js";
import { useTitle } from "./use-title.js";

/** Account: profile and password. */
export function AccountPage() {
  useTitle("Account");
  return <RequireUser>{(user) => <Account user={user} />}</RequireUser>;
}

function Account({ user }: { user: User }) {
  const [profileNote, setProfileNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [passwordNote, setPasswordNote] = useState<{ ok: boolean; text: string } | null>(null);

  async function saveProfile(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    try {
      const { user: updated } = await api.identity.updateProfile({
        profile: { displayName: field(form, "displayName"), bio: field(form, "bio") },
        updateMask: create(FieldMaskSchema, { paths: ["display_name", "bio"] }),
      });
      if (updated) updateCurrentUser(updated);
      setProfileNote({ ok: true, text: "Profile saved." });
    } catch (err) {
      setProfileNote({ ok: false, text: describeError(err) });
    }
  }
  async function changePassword(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    if (form.get("newPassword") !== form.get("confirm")) {
      setPasswordNote({ ok: false, text: "The new passwords don't match." });
      return;
    }
    try {
      await api.identity.changePassword({ currentPassword: field(form, "currentPassword"), newPassword: field(form, "newPassword") });
      formElement.reset();
      setPasswordNote({ ok: true, text: "Password changed." });
    } catch (err) {
      setPasswordNote({ ok: false, text: describeError(err) });
    }
  }
  return (
    <div class="page narrow">
      <h1>Your account</h1>
      <form class="panel form" onSubmit={(e) => void saveProfile(e)}>
        <h2>Profile</h2>
        {profileNote && (profileNote.ok ? <InfoNote>{profileNote.text}</InfoNote> : <ErrorNote message={profileNote.text} />)}
        <p class="muted">
          Signed in as <strong>@{user.handle}</strong> ({user.email})
        </p>
        <label>
          Display name
          <input name="displayName" defaultValue={user.displayName} maxLength={100} />
        </label>
        <label>
          About you
          <textarea name="bio" rows={3} maxLength={2000} defaultValue={user.bio} />
        </label>
        <button class="btn btn-primary" type="submit">
          Save profile
        </button>
      </form>
      <form class="panel form" onSubmit={(e) => void changePassword(e)}>
        <h2>Password</h2>
        {passwordNote && (passwordNote.ok ? <InfoNote>{passwordNote.text}</InfoNote> : <ErrorNote message={passwordNote.text} />)}
        <label>
          Current password
          <input name="currentPassword" type="password" autoComplete="current-password" required />
        </label>
        <label>
          New password
          <input name="newPassword" type="password" autoComplete="new-password" minLength={10} required />
        </label>
        <label>
          Confirm new password
          <input name="confirm" type="password" autoComplete="new-password" minLength={10} required />
        </label>
        <button class="btn btn-primary" type="submit">
          Change password
        </button>
      </form>
    </div>
  );
}
