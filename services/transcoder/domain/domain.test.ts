// Pure ladder/probe/playlist logic: no ffmpeg, no network.
import { describe, expect, it } from "vitest";
import { measureBandwidth, parseMediaPlaylist, planStoryboard, renderMasterPlaylist, renderMediaPlaylist, renderStoryboardVtt } from "./hls.ts";
import { codecsFor, h264Level, planLadder } from "./ladder.ts";
import { interpretProbe, UnplayableSourceError, type ProbeJson } from "./source.ts";

const sizes = (source: { width: number; height: number; fps: number }) => planLadder(source).map((rung) => `${rung.name}:${rung.width}x${rung.height}`);

describe("planLadder", () => {
  it("follows the source and never upscales", () => {
    expect(sizes({ width: 1920, height: 1080, fps: 30 })).toEqual(["1080p:1920x1080", "720p:1280x720", "480p:854x480", "360p:640x360", "240p:426x240"]);
    expect(sizes({ width: 1280, height: 720, fps: 30 })).toEqual(["720p:1280x720", "480p:854x480", "360p:640x360", "240p:426x240"]);
    expect(sizes({ width: 1000, height: 700, fps: 30 })).toEqual(["480p:686x480", "360p:514x360", "240p:342x240"]);
  });

  it("keeps portrait sources portrait, by their short side", () => {
    expect(sizes({ width: 1080, height: 1920, fps: 30 })).toEqual(["1080p:1080x1920", "720p:720x1280", "480p:480x854", "360p:360x640", "240p:240x426"]);
  });

  it("gives even dimensions for odd sources, and one native rung for tiny ones", () => {
    for (const rung of planLadder({ width: 853, height: 481, fps: 25 })) {
      expect(rung.width % 2).toBe(0);
      expect(rung.height % 2).toBe(0);
    }
    expect(sizes({ width: 175, height: 99, fps: 25 })).toEqual(["240p:176x100"]);
  });

  it("picks H.264 levels by frame size and rate", () => {
    expect(h264Level(1920, 1080, 30).name).toBe("4.0");
    expect(h264Level(1920, 1080, 60).name).toBe("4.2");
    expect(h264Level(1280, 720, 30).name).toBe("3.1");
    expect(h264Level(640, 360, 30).name).toBe("3.0");
    const [top] = planLadder({ width: 1280, height: 720, fps: 30 });
    expect(top && codecsFor(top, true)).toBe("avc1.64001f,mp4a.40.2");
    expect(top && codecsFor(top, false)).toBe("avc1.64001f");
  });
});

describe("interpretProbe", () => {
  const video = { codec_type: "video", codec_name: "h264", width: 1920, height: 1080, avg_frame_rate: "30000/1001", sample_aspect_ratio: "1:1" };
  const probe = (streams: ProbeJson["streams"], duration = "10.0"): ProbeJson => ({ streams, format: { duration } });

  it("reads geometry, audio and duration", () => {
    const info = interpretProbe(probe([video, { codec_type: "audio" }]), 1000);
    expect(info).toMatchObject({ width: 1920, height: 1080, hasAudio: true, duration: 10, rotation: 0 });
    expect(info.fps).toBeCloseTo(29.97, 2);
  });

  it("swaps width and height for a quarter-turn rotation, from the display matrix or the legacy tag", () => {
    expect(interpretProbe(probe([{ ...video, side_data_list: [{ rotation: -90 }] }]), 1)).toMatchObject({ width: 1080, height: 1920, rotation: 90 });
    expect(interpretProbe(probe([{ ...video, tags: { rotate: "270" } }]), 1)).toMatchObject({ width: 1080, height: 1920, rotation: 270 });
    expect(interpretProbe(probe([{ ...video, side_data_list: [{ rotation: 180 }] }]), 1)).toMatchObject({ width: 1920, height: 1080 });
  });

  it("applies a non-square sample aspect ratio", () => {
    expect(interpretProbe(probe([{ ...video, width: 720, height: 576, sample_aspect_ratio: "16:11" }]), 1)).toMatchObject({ width: 1047, height: 576 });
  });

  it("says in plain words why a file is not a video", () => {
    expect(() => interpretProbe(probe([video]), 0)).toThrow(new UnplayableSourceError("the file is empty"));
    expect(() => interpretProbe(probe([{ codec_type: "audio" }]), 5)).toThrow(/no video stream \(it is audio only\)/);
    expect(() => interpretProbe(probe([]), 5)).toThrow(/no video stream/);
    expect(() => interpretProbe(probe([{ ...video, disposition: { attached_pic: 1 } }, { codec_type: "audio" }]), 5)).toThrow(/audio only/);
    expect(() => interpretProbe(probe([video], "0"), 5)).toThrow(/no duration/);
  });
});

describe("playlists", () => {
  it("reads only complete segments of a playlist being written", () => {
    const text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000000,\nseg_00000.ts\n#EXTINF:2.000000,\nseg_00001.ts\n#EXTINF:1.5,\n";
    expect(parseMediaPlaylist(text)).toEqual({ segments: [{ uri: "seg_00000.ts", duration: 2 }, { uri: "seg_00001.ts", duration: 2 }], ended: false });
    expect(parseMediaPlaylist(`${text}seg_00002.ts\n#EXT-X-ENDLIST\n`).ended).toBe(true);
  });

  it("renders EVENT playlists while growing and VOD with ENDLIST at the end", () => {
    const segments = [{ uri: "seg_00000.ts", duration: 2 }, { uri: "seg_00001.ts", duration: 1.2 }];
    const growing = renderMediaPlaylist({ segments, targetSeconds: 2, complete: false });
    expect(growing).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
    expect(growing).not.toContain("ENDLIST");
    const done = renderMediaPlaylist({ segments, targetSeconds: 2, complete: true });
    expect(done).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
    expect(done.trim().endsWith("#EXT-X-ENDLIST")).toBe(true);
    expect(parseMediaPlaylist(done).segments).toEqual(segments);
  });

  it("renders a master playlist with BANDWIDTH, RESOLUTION and CODECS, lowest first", () => {
    const master = renderMasterPlaylist([
      { uri: "720p/index.m3u8", bandwidth: 3_000_000, width: 1280, height: 720, codecs: "avc1.64001f,mp4a.40.2", frameRate: 30 },
      { uri: "240p/index.m3u8", bandwidth: 500_000, width: 426, height: 240, codecs: "avc1.64001e,mp4a.40.2", frameRate: 30 },
    ]);
    const lines = master.trim().split("\n");
    expect(lines[3]).toBe('#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=426x240,FRAME-RATE=30.000,CODECS="avc1.64001e,mp4a.40.2"');
    expect(lines[4]).toBe("240p/index.m3u8");
    expect(lines[6]).toBe("720p/index.m3u8");
  });

  it("measures peak and average bandwidth from segment sizes", () => {
    expect(measureBandwidth([{ bytes: 250_000, duration: 2 }, { bytes: 500_000, duration: 2 }, { bytes: 10_000, duration: 0.1 }])).toEqual({ peak: 2_000_000, average: 1_482_927 });
  });

  it("lays out a storyboard on keyframes and describes it in WebVTT", () => {
    const layout = planStoryboard(60, 1280, 720, 2);
    expect(layout).toMatchObject({ interval: 4, count: 15, columns: 10, rows: 2, tileWidth: 160, tileHeight: 90 });
    const vtt = renderStoryboardVtt(layout, 60, "storyboard.jpg");
    expect(vtt.startsWith("WEBVTT\n")).toBe(true);
    expect(vtt).toContain("00:00:00.000 --> 00:00:04.000\nstoryboard.jpg#xywh=0,0,160,90");
    expect(vtt).toContain("00:00:56.000 --> 00:01:00.000\nstoryboard.jpg#xywh=640,90,160,90");
  });
});
