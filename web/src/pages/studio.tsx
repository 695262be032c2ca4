import type { ComponentChildren } from "preact";
import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import type { Channel, Video } from "@gen/xtream/catalog/v1/resources_pb.js";
import { VideoSchema, VideoStatus, Visibility } from "@gen/xtream/catalog/v1/resources_pb.js";
import type { User } from "@gen/xtream/identity/v1/identity_service_pb.js";
import { useLocation } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api/clients.js";
import { field } from "../components/form-field.js";
import { describeError } from "../api/errors.js";
import { formatAge, formatViews } from "../components/format.js";
import { ErrorNote, InfoNote, Spinner } from "../components/notes.js";
import { useAsync } from "../components/use-async.js";
import { CreateChannelForm } from "./create-channel.js";
import { RequireUser } from "./require-user.js";
import { useTitle } from "./use-title.js";

/** Studio: my channels and their videos; edit, change visibility, delete. */
export function StudioPage() {
  useTitle("Studio");
  return <RequireUser>{(user) => <Studio user={user} />}</RequireUser>;
}

const STATUS_LABEL: Record<VideoStatus, string> = {
  [VideoStatus.UNSPECIFIED]: "Unknown",
  [VideoStatus.UPLOADING]: "Uploading",
  [VideoStatus.PROCESSING]: "Processing",
  [VideoStatus.READY]: "Ready",
  [VideoStatus.FAILED]: "Failed",
  [VideoStatus.DELETED]: "Deleted",
};

function Studio({ user }: { user: User }) {
  const location = useLocation();
  const [channels, setChannels] = useAsync<Channel[]>(async (signal) => (await api.channels.listChannels({ ownerId: user.id, pageSize: 100 }, { signal })).channels, [user.id]);
  const [channelId, setChannelId] = useState<string>("");
  const [videos, setVideos] = useState<Video[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<Video | null>(null);
  const [deleting, setDeleting] = useState<Video | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const wantedVideo = location.query.video ?? "";

  // Which channel: the one of ?video=, else the first.
  useEffect(() => {
    if (channels.status !== "ready" || channels.value.length === 0) return;
    if (wantedVideo) {
      api.videos.getVideo({ videoId: wantedVideo }).then(
        ({ video }) => {
          if (!video) return;
          setChannelId(video.channelId);
          setEditing(video);
        },
        (err: unknown) => setError(describeError(err)),
      );
    } else if (!channelId) setChannelId(channels.value[0]!.id);
  }, [channels.status, wantedVideo]);

  useEffect(() => {
    if (!channelId) return;
    setVideos(null);
    void loadVideos(channelId).then(setVideos, (err: unknown) => setError(describeError(err)));
  }, [channelId]);

  async function run(action: () => Promise<void>, done: string): Promise<void> {
    setError(null);
    try {
      await action();
      setNotice(done);
      const fresh = await loadVideos(channelId);
      // A listing served from a cache a moment old must not undo what the person just saw change.
      setVideos((old) => fresh.map((v) => {
        const shown = old?.find((o) => o.id === v.id);
        return shown && shown.updateTime && v.updateTime && shown.updateTime.seconds > v.updateTime.seconds ? shown : v;
      }));
    } catch (err) {
      setError(describeError(err));
    }
  }

  if (channels.status === "loading") return <div class="page center"><Spinner /></div>;
  if (channels.status === "error") return <div class="page"><ErrorNote message={channels.message} /></div>;
  const current = channels.value.find((c) => c.id === channelId);
  return (
    <div class="page">
      <div class="page-head">
        <h1>Studio</h1>
        <a class="btn btn-primary" href="/upload">
          Upload
        </a>
      </div>
      {location.query.welcome && <InfoNote>Welcome to Xtream! Create a channel to start publishing.</InfoNote>}
      {error && <ErrorNote message={error} />}
      {notice && <InfoNote>{notice}</InfoNote>}
      {channels.value.length > 0 && (
        <div class="tabs" role="tablist" aria-label="Your channels">
          {channels.value.map((c) => (
            <button type="button" role="tab" key={c.id} aria-selected={c.id === channelId} class={c.id === channelId ? "tab active" : "tab"} onClick={() => setChannelId(c.id)}>
              {c.title}
            </button>
          ))}
        </div>
      )}
      {current && (
        <p class="muted">
          Public page: <a href={`/c/${current.handle}`}>/c/{current.handle}</a>
        </p>
      )}
      {channelId && videos === null && <Spinner />}
      {videos?.length === 0 && (
        <div class="empty">
          <p>No videos on this channel yet.</p>
          <a class="btn btn-primary" href="/upload">
            Upload a video
          </a>
        </div>
      )}
      {videos && videos.length > 0 && (
        <table class="studio-table">
          <thead>
            <tr>
              <th scope="col">Video</th>
              <th scope="col">Status</th>
              <th scope="col">Visibility</th>
              <th scope="col">Views</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {videos.map((video) => (
              <tr key={video.id} data-video-id={video.id}>
                <td>
                  <a href={`/watch/${video.id}`}>{video.title}</a>
                  <div class="muted small">{formatAge(video.createTime)}</div>
                </td>
                <td>
                  <span class={`status status-${STATUS_LABEL[video.status].toLowerCase()}`} title={video.failureReason || undefined}>
                    {STATUS_LABEL[video.status]}
                    {video.status === VideoStatus.PROCESSING && ` ${video.progressPercent}%`}
                  </span>
                  {video.status === VideoStatus.FAILED && <div class="small error-text">{video.failureReason}</div>}
                </td>
                <td>
                  <select
                    aria-label={`Visibility of ${video.title}`}
                    value={video.visibility}
                    onChange={(e) => {
                      const visibility = Number(e.currentTarget.value) as Visibility;
                      void run(async () => {
                        const { video: updated } = await api.videos.setVideoVisibility({ videoId: video.id, visibility });
                        // Show the server's answer at once; the list reload follows.
                        if (updated) setVideos((old) => old?.map((v) => (v.id === updated.id ? updated : v)) ?? null);
                      }, `“${video.title}” is now ${Visibility[visibility].toLowerCase()}.`);
                    }}
                  >
                    <option value={Visibility.PUBLIC}>Public</option>
                    <option value={Visibility.UNLISTED}>Unlisted</option>
                    <option value={Visibility.PRIVATE}>Private</option>
                  </select>
                </td>
                <td>{formatViews(video.viewCount)}</td>
                <td>
                  <div class="row-actions">
                  <button type="button" class="btn btn-small" onClick={() => setEditing(video)}>
                    Edit
                  </button>
                  <button type="button" class="btn btn-small btn-danger" onClick={() => setDeleting(video)}>
                    Delete
                  </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {channels.value.length === 0 ? (
        <>
          <p>Videos are published on a channel. Create your first one:</p>
          <CreateChannelForm onCreated={(c) => { setChannels([c]); setChannelId(c.id); }} />
        </>
      ) : (
        <details class="panel">
          <summary>Create another channel</summary>
          <CreateChannelForm onCreated={(c) => { setChannels([...channels.value, c]); setChannelId(c.id); }} />
        </details>
      )}
      {editing && (
        <EditDialog
          video={editing}
          onClose={() => setEditing(null)}
          onSave={(video, paths) =>
            run(async () => {
              await api.videos.updateVideo({ video, updateMask: create(FieldMaskSchema, { paths }) });
              setEditing(null);
            }, "Changes saved.")
          }
        />
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete this video?"
          confirm="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={() =>
            run(async () => {
              await api.videos.deleteVideo({ videoId: deleting.id });
              setDeleting(null);
            }, `“${deleting.title}” was deleted.`)
          }
        >
          <p>
            “{deleting.title}” and its {formatViews(deleting.viewCount)} will be gone for good.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

async function loadVideos(channelId: string): Promise<Video[]> {
  const videos: Video[] = [];
  let pageToken = "";
  do {
    const page = await api.videos.listVideos({ channelId, pageSize: 100, pageToken });
    videos.push(...page.videos);
    pageToken = page.nextPageToken;
  } while (pageToken && videos.length < 500);
  return videos;
}

/** A modal built on <dialog>: focus is trapped and Escape closes it. */
function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} class="modal" aria-label={title} onClose={onClose}>
      <h2>{title}</h2>
      {children}
    </dialog>
  );
}

function ConfirmDialog({ title, confirm, onConfirm, onClose, children }: { title: string; confirm: string; onConfirm: () => Promise<void>; onClose: () => void; children: ComponentChildren }) {
  const [busy, setBusy] = useState(false);
  return (
    <Modal title={title} onClose={onClose}>
      {children}
      <div class="actions">
        <button type="button" class="btn" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          class="btn btn-danger"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void onConfirm().finally(() => setBusy(false));
          }}
        >
          {confirm}
        </button>
      </div>
    </Modal>
  );
}

function EditDialog({ video, onSave, onClose }: { video: Video; onSave: (video: Video, paths: string[]) => Promise<void>; onClose: () => void }) {
  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const next = create(VideoSchema, {
      id: video.id,
      title: field(form, "title").trim(),
      description: field(form, "description"),
      tags: [...new Set(field(form, "tags").split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))],
      language: field(form, "language").trim(),
    });
    // Send only what changed (the field mask).
    const paths = (["title", "description", "tags", "language"] as const).filter((field) => JSON.stringify(next[field]) !== JSON.stringify(video[field]));
    if (paths.length === 0) return onClose();
    await onSave(next, [...paths]);
  }
  return (
    <Modal title="Edit video" onClose={onClose}>
      <form class="form" onSubmit={(e) => void submit(e)}>
        <label>
          Title
          <input name="title" required maxLength={200} defaultValue={video.title} />
        </label>
        <label>
          Description
          <textarea name="description" rows={5} maxLength={10000} defaultValue={video.description} />
        </label>
        <label>
          Tags
          <input name="tags" defaultValue={video.tags.join(", ")} aria-describedby="tags-help" />
          <small id="tags-help" class="muted">
            Separated by commas.
          </small>
        </label>
        <label>
          Language
          <input name="language" defaultValue={video.language} placeholder="en" pattern="[a-z]{2,3}(-[A-Za-z0-9]{2,8})*" />
        </label>
        <div class="actions">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary">
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}
