/** The Kafka topics the transcoder reads and writes, with an optional prefix that isolates test runs. */
import { topics as platformTopics, type Topic } from "../../../lib/kafka/index.ts";
import type { VideoFailedSchema, VideoProgressSchema, VideoTranscodedSchema, VideoUploadedSchema } from "../../../gen/xtream/events/v1/video_events_pb.js";

/** The topics the transcoder reads and writes. */
export interface TranscoderTopics {
  videoUploaded: Topic<typeof VideoUploadedSchema>;
  videoProgress: Topic<typeof VideoProgressSchema>;
  videoTranscoded: Topic<typeof VideoTranscodedSchema>;
  videoFailed: Topic<typeof VideoFailedSchema>;
}

/** The transcoder's topics, each name prefixed with `prefix` ("" in production). */
export function transcoderTopics(prefix = ""): TranscoderTopics {
  const named = <T extends Topic>(topic: T): T => ({ ...topic, name: `${prefix}${topic.name}` });
  return {
    videoUploaded: named(platformTopics.videoUploaded),
    videoProgress: named(platformTopics.videoProgress),
    videoTranscoded: named(platformTopics.videoTranscoded),
    videoFailed: named(platformTopics.videoFailed),
  };
}
