import type { Video } from "@gen/xtream/catalog/v1/resources_pb.js";
import { Visibility } from "@gen/xtream/catalog/v1/resources_pb.js";
import { posterUrl } from "../api/config.js";
import { useChannel } from "./channel-cache.js";
import { durationSeconds, formatAge, formatClock, formatViews } from "./format.js";

/** One video in a grid: poster with its duration, title, channel, views and age. */
export function VideoCard({ video, href, showChannel = true }: { video: Video; href?: string; showChannel?: boolean }) {
  const channel = useChannel(video.channelId);
  const seconds = durationSeconds(video.duration);
  const link = href ?? `/watch/${video.id}`;
  return (
    <article class="card" data-video-id={video.id}>
      <a class="card-thumb" href={link} tabIndex={-1} aria-hidden="true">
        {video.visibility === Visibility.PUBLIC ? (
          <img src={posterUrl(video.id)} alt="" loading="lazy" decoding="async" onError={(e) => e.currentTarget.classList.add("broken")} />
        ) : (
          <div class="thumb-placeholder">{video.visibility === Visibility.PRIVATE ? "Private" : "Unlisted"}</div>
        )}
        {seconds > 0 && <span class="badge-duration">{formatClock(seconds)}</span>}
      </a>
      <div class="card-body">
        <h3 class="card-title">
          <a href={link}>{video.title}</a>
        </h3>
        {showChannel && (
          <p class="card-channel">{channel ? <a href={`/c/${channel.handle}`}>{channel.title}</a> : <span class="muted">…</span>}</p>
        )}
        <p class="card-meta">
          {formatViews(video.viewCount)} · {formatAge(video.createTime)}
        </p>
      </div>
    </article>
  );
}
