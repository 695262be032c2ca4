// ffmpeg and ffprobe as the transcoder runs them on untrusted uploads, against the real binaries:
// playlists that name other files are refused, real containers still open, a probe that hangs
// is given up, and the child's environment carries none of the transcoder's secrets.
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stackEnv } from "../../../lib/testing/index.ts";
import type { Rung } from "../domain/ladder.ts";
import { makeClip } from "../testing.ts";
import { encodeLadder, FfmpegError, probeFile, runProcess, type FfmpegPaths } from "./ffmpeg.ts";

const env = stackEnv();
const paths: FfmpegPaths = { ffmpeg: env.ffmpegPath, ffprobe: env.ffprobePath };
let dir: string;
/** A real video outside the job's folder: what a hostile playlist would try to pull in. */
let secret: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ffmpeg-adapter-test-"));
  secret = join(dir, "elsewhere.mp4");
  makeClip(env.ffmpegPath, secret, { width: 64, height: 64, seconds: 2, audio: false });
  await mkdir(join(dir, "job"));
  await copyFile(secret, join(dir, "job", "sibling.mp4"));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const hlsPlaylist = (uri: string) => `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n${uri}\n#EXT-X-ENDLIST\n`;

describe("ffmpeg on untrusted input", () => {
  const hostile: [string, () => string][] = [
    ["an HLS playlist naming a local file", () => hlsPlaylist(`file://${secret}`)],
    ["an HLS playlist naming a plain path", () => hlsPlaylist(secret)],
    ["an HLS playlist naming a URL", () => hlsPlaylist("http://127.0.0.1:9/x.ts")],
    ["a concat list naming a file next to it", () => `ffconcat version 1.0\nfile 'sibling.mp4'\n`],
  ];
  it.each(hostile)("refuses %s: the probe finds no video and the encode fails", async (_label, body) => {
    const source = join(dir, "job", "source");
    await writeFile(source, body());
    // Plain ffprobe (as before this guard) does open it and reads the other file's stream.
    const unguarded = spawnSync(env.ffprobePath, ["-v", "error", "-show_streams", "-of", "json", source], { encoding: "utf8" });
    if (!body().includes("http://")) expect(unguarded.stdout).toContain('"codec_type": "video"');
    expect(await probeFile(paths, source)).toBeUndefined();
    const out = join(dir, "job", "out");
    await mkdir(join(out, "240p"), { recursive: true });
    const rung: Rung = { name: "240p", width: 64, height: 64, level: "3.0", maxrate: 400_000, bufsize: 800_000, audioBitrate: 64_000, videoCodec: "avc1.64001e" };
    await expect(
      encodeLadder(paths, { input: source, outputDir: out, rungs: [rung], hasAudio: false, fps: 25, settings: { segmentSeconds: 2, preset: "ultrafast", crf: 30 }, playlistType: "vod", progress: true }, () => undefined),
    ).rejects.toBeInstanceOf(FfmpegError);
    expect(await readdir(join(out, "240p"))).toEqual([]); // not a frame of the other file was encoded
  });

  it.each([
    ["mp4", [] as string[]],
    ["webm", ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"]],
    ["mkv", ["-c:v", "libx264", "-preset", "ultrafast"]],
    ["avi", ["-c:v", "mpeg4"]],
    ["ts", ["-c:v", "libx264", "-preset", "ultrafast"]],
    ["mov", ["-c:v", "libx264", "-preset", "ultrafast"]],
  ] as const)("still opens a real %s upload", async (extension, codec) => {
    const file = join(dir, `real.${extension}`);
    const source = join(dir, "job", `real-${extension}`);
    const made = spawnSync(env.ffmpegPath, ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=10", "-t", "1", ...codec, file]);
    expect(made.status).toBe(0);
    // Named without an extension, as the job stores it: the container is found by probing.
    await writeFile(source, spawnSync("cat", [file]).stdout);
    const probe = await probeFile(paths, source);
    expect(probe?.streams?.some((stream) => stream.codec_type === "video")).toBe(true);
  });

  it("gives up on a probe that does not finish in time, as an unreadable file (not an outage to retry)", { timeout: 10_000 }, async () => {
    // A stand-in for ffprobe stuck in a crafted file: it never answers.
    const stuck = join(dir, "stuck-ffprobe.sh");
    await writeFile(stuck, "#!/bin/sh\nexec sleep 30\n", { mode: 0o755 });
    const started = Date.now();
    expect(await probeFile({ ...paths, ffprobe: stuck }, secret, undefined, 500)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5000);
    // The job's own abort (stop, time limit) is still passed on, not mistaken for a bad file.
    await expect(probeFile({ ...paths, ffprobe: stuck }, secret, AbortSignal.timeout(200), 5000)).rejects.toThrow();
  });

  it("gives the child process none of the transcoder's environment", async () => {
    const saved = { ...process.env };
    process.env.MINIO_ACCESS_KEY = "access-key-in-parent";
    process.env.MINIO_SECRET_KEY = "secret-key-in-parent";
    process.env.AWS_SECRET_ACCESS_KEY = "aws-secret-in-parent";
    try {
      const { stdout } = await runProcess("env", []);
      expect(stdout).not.toMatch(/MINIO|AWS|KAFKA|in-parent/);
      expect(stdout.trim().split("\n").map((line) => line.split("=")[0]).sort()).toEqual(["LC_ALL", "PATH"]);
    } finally {
      process.env = saved;
    }
  });
});
