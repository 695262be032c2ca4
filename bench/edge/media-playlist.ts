/** A VOD media playlist of `segments` 2-second segments (seg_00000.ts …), as the transcoder writes them. */
export function mediaPlaylist(segments: number): string {
  const lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:2", "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"];
  for (let index = 0; index < segments; index++) lines.push("#EXTINF:2.000000,", `seg_${String(index).padStart(5, "0")}.ts`);
  lines.push("#EXT-X-ENDLIST");
  return `${lines.join("\n")}\n`;
}
