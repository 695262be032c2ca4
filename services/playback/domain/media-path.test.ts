import { describe, expect, it } from "vitest";
import { isServableFile, parseMediaPath } from "./media-path.ts";

const id = "0b3c7a52-9a51-4f7e-8d7e-3c1f2a9b6d10";

describe("parseMediaPath", () => {
  it("maps the media layout's files", () => {
    expect(parseMediaPath(`/v/${id}/master.m3u8`)).toMatchObject({ videoId: id, file: "master.m3u8", kind: "master", token: undefined });
    expect(parseMediaPath(`/v/${id}/720p/index.m3u8`)).toMatchObject({ kind: "media-playlist", rung: "720p" });
    expect(parseMediaPath(`/v/${id}/240p/seg_00012.ts`)).toMatchObject({ kind: "segment", rung: "240p", segmentIndex: 12 });
    expect(parseMediaPath(`/v/${id}/1080p/seg_00000.m4s`)).toMatchObject({ kind: "segment" });
    expect(parseMediaPath(`/v/${id}/1080p/init.mp4`)).toMatchObject({ kind: "init" });
    expect(parseMediaPath(`/v/${id}/poster.jpg`)).toMatchObject({ kind: "image" });
    expect(parseMediaPath(`/v/${id}/thumbs/thumb_003.jpg`)).toMatchObject({ kind: "image" });
    expect(parseMediaPath(`/v/${id}/storyboard.vtt`)).toMatchObject({ kind: "vtt" });
    expect(parseMediaPath(`/v/${id}/t/abcdEFGH.m1x2y3.${"a".repeat(43)}/360p/seg_00001.ts`)).toMatchObject({
      token: `abcdEFGH.m1x2y3.${"a".repeat(43)}`,
      file: "360p/seg_00001.ts",
    });
  });

  it.each([
    `/v/${id}/../${id}/master.m3u8`,
    `/v/${id}/720p/../../other/master.m3u8`,
    `/v/${id}/%2e%2e/master.m3u8`,
    `/v/${id}/720p%2Findex.m3u8`,
    `/v/${id}/sources/${id}`,
    `/v/${id}/720p/seg_1.ts`,
    `/v/${id}/999p/index.m3u8`,
    `/v/${id}/master.m3u8/`,
    `/v/${id}//master.m3u8`,
    `/v/${id.toUpperCase()}/master.m3u8`,
    `/v/not-a-uuid/master.m3u8`,
    `/v/${id}/constructor`,
    `/v/${id}/hasOwnProperty`,
    `/v/${id}/t/bad/master.m3u8`,
    `/videos/${id}/master.m3u8`,
    `/v/${id}`,
    `/`,
  ])("rejects %s", (path) => {
    expect(parseMediaPath(path)).toBeUndefined();
  });

  it("tells which files are servable", () => {
    expect(isServableFile("720p/index.m3u8")).toBe(true);
    expect(isServableFile("../x")).toBe(false);
  });
});
