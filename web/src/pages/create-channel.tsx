import type { Channel } from "@gen/xtream/catalog/v1/resources_pb.js";
import { useState } from "preact/hooks";
import { api } from "../api/clients.js";
import { field } from "../components/form-field.js";
import { describeError } from "../api/errors.js";
import { ErrorNote } from "../components/notes.js";

/** A small form that creates a channel (handle, title, description). */
export function CreateChannelForm({ onCreated }: { onCreated: (channel: Channel) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    setBusy(true);
    setError(null);
    try {
      const { channel } = await api.channels.createChannel({
        handle: field(form, "handle"),
        title: field(form, "title"),
        description: field(form, "description"),
      });
      formElement.reset();
      if (channel) onCreated(channel);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="panel form" onSubmit={(e) => void submit(e)} aria-label="Create a channel">
      <h2>New channel</h2>
      {error && <ErrorNote message={error} />}
      <div class="form-row">
        <label>
          Channel name
          <input name="title" required maxLength={100} />
        </label>
        <label>
          Handle
          <input name="handle" required pattern="[a-z0-9_]{3,30}" placeholder="my_channel" aria-describedby="channel-handle-help" />
          <small id="channel-handle-help" class="muted">
            Lower-case letters, digits, underscores.
          </small>
        </label>
      </div>
      <label>
        Description
        <textarea name="description" rows={2} maxLength={5000} />
      </label>
      <button class="btn btn-primary" type="submit" disabled={busy}>
        Create channel
      </button>
    </form>
  );
}
