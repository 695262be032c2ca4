/**
 * How the seed tells a person what it is doing: one line per step, upload
 * percentages and transcoding status. On a terminal the percentage lines
 * rewrite themselves; elsewhere (logs, CI) only changes are printed, in steps.
 */
import { VideoStatus, type Video } from "../../gen/xtream/catalog/v1/resources_pb.js";

/** The seed's progress events. */
export interface SeedReporter {
  step(message: string): void;
  uploadProgress(title: string, sentBytes: number, totalBytes: number): void;
  videoUpdate(video: Video): void;
}

/** Reports nothing (tests). */
export const silentReporter: SeedReporter = { step() {}, uploadProgress() {}, videoUpdate() {} };

/** Describes a video's processing state in a few words. */
export function describeStatus(video: Video): string {
  switch (video.status) {
    case VideoStatus.UPLOADING:
      return "waiting for the upload";
    case VideoStatus.PROCESSING:
      return `transcoding ${video.progressPercent}%${video.playable ? " (playable now)" : ""}`;
    case VideoStatus.READY:
      return `ready: ${video.renditions.map((r) => r.name).join(", ") || "no renditions"}`;
    case VideoStatus.FAILED:
      return `failed: ${video.failureReason}`;
    default:
      return VideoStatus[video.status]?.toLowerCase() ?? "unknown";
  }
}

/** Writes progress to a stream (stdout by default). */
export function createConsoleReporter(out: NodeJS.WriteStream = process.stdout): SeedReporter {
  const tty = out.isTTY;
  const lastPercent = new Map<string, number>();
  const lastStatus = new Map<string, string>();
  let openLine = false;
  const endLine = () => {
    if (openLine) out.write("\n");
    openLine = false;
  };
  return {
    step(message) {
      endLine();
      out.write(`==> ${message}\n`);
    },
    uploadProgress(title, sent, total) {
      const percent = total > 0 ? Math.floor((sent / total) * 100) : 100;
      const previous = lastPercent.get(title) ?? -1;
      const line = `    uploading "${title}": ${percent}% (${formatBytes(sent)} of ${formatBytes(total)})`;
      if (tty) {
        out.write(`\r\x1b[2K${line}`);
        openLine = true;
        if (percent === 100) endLine();
      } else if (percent === 100 || Math.floor(percent / 25) > Math.floor(previous / 25)) {
        out.write(`${line}\n`);
      }
      lastPercent.set(title, percent);
    },
    videoUpdate(video) {
      const status = describeStatus(video);
      // Progress moves in small steps: print each 10% (and every status change).
      const key = video.status === VideoStatus.PROCESSING ? `${video.status}:${Math.floor(video.progressPercent / 10)}:${video.playable}` : status;
      if (lastStatus.get(video.id) === key) return;
      lastStatus.set(video.id, key);
      endLine();
      out.write(`    "${video.title}": ${status}\n`);
    },
  };
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
