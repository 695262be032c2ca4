import type { Channel, Video } from "@gen/xtream/catalog/v1/resources_pb.js";
import { VideoStatus, Visibility } from "@gen/xtream/catalog/v1/resources_pb.js";
import type { User } from "@gen/xtream/identity/v1/identity_service_pb.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api/clients.js";
import { field } from "../components/form-field.js";
import { describeError, isTransient } from "../api/errors.js";
import { formatBytes, formatClock } from "../components/format.js";
import { ErrorNote, InfoNote, Spinner } from "../components/notes.js";
import { useAsync } from "../components/use-async.js";
import { fileSource, localResumeStore, uploadApi } from "../upload/browser-adapters.js";
import { cancelUpload, resumeKey, runUpload, type SavedUpload, type UploadProgress } from "../upload/upload-resumer.js";
import { CreateChannelForm } from "./create-channel.js";
import { RequireUser } from "./require-user.js";
import { useTitle } from "./use-title.js";
import { watchStatus } from "./watch-status.js";

/** Upload: pick or drop a file, send it resumably, then follow its processing live. */
export function UploadPage() {
  useTitle("Upload");
  return <RequireUser>{(user) => <Uploader user={user} />}</RequireUser>;
}

type Stage =
  | { kind: "form" }
  | { kind: "sending"; progress: UploadProgress | null }
  | { kind: "processing"; video: Video | null; videoId: string }
  | { kind: "failed"; message: string };

function Uploader({ user }: { user: User }) {
  const [channels, setChannels] = useAsync<Channel[]>(async (signal) => (await api.channels.listChannels({ ownerId: user.id, pageSize: 100 }, { signal })).channels, [user.id]);
  const [file, setFile] = useState<File | null>(null);
  const [title, setTitle] = useState("");
  const [dragging, setDragging] = useState(false);
  const [stage, setStage] = useState<Stage>({ kind: "form" });
  const [saved, setSaved] = useState(() => localResumeStore.all());
  const controller = useRef<AbortController | null>(null);
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => () => controller.current?.abort(), []);

  function pick(picked: File | undefined): void {
    if (!picked) return;
    setFile(picked);
    if (!title) setTitle(picked.name.replace(/\.[^.]+$/, "").replace(/[_-]+/g, " ").slice(0, 200));
  }

  async function start(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (!file) return;
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const channelId = field(data, "channel");
    const visibility = Number(field(data, "visibility")) as Visibility;
    controller.current = new AbortController();
    setStage({ kind: "sending", progress: null });
    try {
      const { videoId } = await runUpload({
        api: uploadApi,
        source: fileSource(file),
        metadata: { channelId, title: title.trim(), description: field(data, "description") },
        store: localResumeStore,
        signal: controller.current.signal,
        isTransient,
        onProgress: (progress) => setStage({ kind: "sending", progress }),
      });
      setSaved(localResumeStore.all());
      if (visibility !== Visibility.PRIVATE) await api.videos.setVideoVisibility({ videoId, visibility });
      setStage({ kind: "processing", video: null, videoId });
      for await (const video of watchStatus(videoId, controller.current.signal)) setStage({ kind: "processing", video, videoId });
    } catch (err) {
      if (controller.current.signal.aborted) return;
      setStage({ kind: "failed", message: describeError(err) });
    }
  }

  async function cancel(): Promise<void> {
    controller.current?.abort();
    if (file && form.current) {
      const channelId = field(new FormData(form.current), "channel");
      await cancelUpload(uploadApi, localResumeStore, resumeKey(file, channelId)).catch(() => undefined);
    }
    setSaved(localResumeStore.all());
    setStage({ kind: "form" });
  }

  if (channels.status === "loading") return <div class="page center"><Spinner /></div>;
  if (channels.status === "error") return <div class="page"><ErrorNote message={channels.message} /></div>;
  if (channels.value.length === 0) {
    return (
      <div class="page narrow">
        <h1>Upload</h1>
        <p>Videos are published on a channel. Create your first one:</p>
        <CreateChannelForm onCreated={(c) => setChannels([c])} />
      </div>
    );
  }

  if (stage.kind === "sending") return <Sending progress={stage.progress} filename={file?.name ?? ""} onCancel={() => void cancel()} />;
  if (stage.kind === "processing") return <Processing video={stage.video} videoId={stage.videoId} onAnother={() => { setFile(null); setTitle(""); setStage({ kind: "form" }); }} />;

  return (
    <div class="page narrow">
      <h1>Upload a video</h1>
      {stage.kind === "failed" && <ErrorNote message={stage.message} />}
      {saved.length > 0 && <Unfinished saved={saved} onDiscard={(key) => void cancelUpload(uploadApi, localResumeStore, key).finally(() => setSaved(localResumeStore.all()))} />}
      <form ref={form} class="panel form" onSubmit={(e) => void start(e)}>
        <label
          class={dragging ? "dropzone dragging" : "dropzone"}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            pick(e.dataTransfer?.files[0]);
          }}
        >
          <input type="file" name="file" accept="video/*" class="visually-hidden" onChange={(e) => pick(e.currentTarget.files?.[0])} aria-label="Video file" />
          {file ? (
            <span>
              <strong>{file.name}</strong> · {formatBytes(file.size)}
            </span>
          ) : (
            <span>
              <strong>Choose a video</strong> or drop it here
            </span>
          )}
        </label>
        <label>
          Title
          <input name="title" required maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
        </label>
        <label>
          Description
          <textarea name="description" rows={4} maxLength={10000} />
        </label>
        <div class="form-row">
          <label>
            Channel
            <select name="channel">
              {channels.value.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.title}
                </option>
              ))}
            </select>
          </label>
          <label>
            Visibility
            <select name="visibility" defaultValue={String(Visibility.PUBLIC)}>
              <option value={Visibility.PUBLIC}>Public</option>
              <option value={Visibility.UNLISTED}>Unlisted</option>
              <option value={Visibility.PRIVATE}>Private</option>
            </select>
          </label>
        </div>
        <button class="btn btn-primary" type="submit" disabled={!file || !title.trim()}>
          Upload
        </button>
      </form>
    </div>
  );
}

function Unfinished({ saved, onDiscard }: { saved: [string, SavedUpload][]; onDiscard: (key: string) => void }) {
  return (
    <div class="panel">
      <h2>Unfinished uploads</h2>
      <p class="muted">Choose the same file again below to continue where it stopped.</p>
      <ul class="unfinished">
        {saved.map(([key, s]) => (
          <li key={key}>
            <span>
              <strong>{s.title}</strong> ({s.filename}) · {Math.floor((s.committedOffset / s.sizeBytes) * 100)}% sent
            </span>
            <button type="button" class="btn btn-small" onClick={() => onDiscard(key)}>
              Discard
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Sending({ progress, filename, onCancel }: { progress: UploadProgress | null; filename: string; onCancel: () => void }) {
  const percent = progress ? Math.floor((progress.sentBytes / Math.max(1, progress.totalBytes)) * 100) : 0;
  return (
    <div class="page narrow">
      <h1>Uploading {filename}</h1>
      <div class="panel">
        <progress class="upload-progress" max={100} value={percent} aria-label="Upload progress" />
        <p class="upload-figures" role="status" aria-live="polite">
          {!progress && "Starting…"}
          {progress && (
            <>
              {percent}% · {formatBytes(progress.sentBytes)} of {formatBytes(progress.totalBytes)}
              {progress.bytesPerSecond > 0 && ` · ${formatBytes(progress.bytesPerSecond)}/s`}
              {progress.secondsLeft !== null && progress.sentBytes < progress.totalBytes && ` · ${formatClock(progress.secondsLeft)} left`}
              {progress.resumed && " · resumed"}
            </>
          )}
        </p>
        {progress?.retrying && (
          <p class="note" role="status">
            Connection lost; retrying in {Math.ceil(progress.retrying.inMs / 1000)} s (attempt {progress.retrying.attempt})…
          </p>
        )}
        <button type="button" class="btn" onClick={onCancel}>
          Cancel upload
        </button>
      </div>
    </div>
  );
}

function Processing({ video, videoId, onAnother }: { video: Video | null; videoId: string; onAnother: () => void }) {
  const status = video?.status ?? VideoStatus.PROCESSING;
  return (
    <div class="page narrow">
      <h1>{video?.title ?? "Processing"}</h1>
      <div class="panel" data-status={VideoStatus[status]}>
        {status === VideoStatus.FAILED ? (
          <ErrorNote message={`Processing failed: ${video?.failureReason || "the file could not be transcoded."}`} />
        ) : status === VideoStatus.READY ? (
          <InfoNote>Ready: every quality is available.</InfoNote>
        ) : (
          <>
            <progress max={100} value={video?.progressPercent ?? 0} aria-label="Processing progress" />
            <p class="processing-text" role="status">
              Processing… {video?.progressPercent ?? 0}%{video?.playable ? " · playable now" : ""}
            </p>
          </>
        )}
        <div class="actions">
          {(video?.playable || status === VideoStatus.READY) && (
            <a class="btn btn-primary" href={`/watch/${videoId}`}>
              Watch
            </a>
          )}
          <a class="btn" href={`/studio?video=${videoId}`}>
            Edit details
          </a>
          <button type="button" class="btn" onClick={onAnother}>
            Upload another
          </button>
        </div>
      </div>
    </div>
  );
}
