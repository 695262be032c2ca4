import type { DescMessage } from "@bufbuild/protobuf";
import {
  AccountDeletedSchema,
  DeadLetterSchema,
  VideoDeletedSchema,
  VideoFailedSchema,
  VideoProgressSchema,
  VideoTranscodedSchema,
  VideoUploadedSchema,
  VideoVisibilityChangedSchema,
} from "../../gen/xtream/events/v1/video_events_pb.js";

/** A Kafka topic and the protobuf message every record on it carries. */
export interface Topic<S extends DescMessage = DescMessage> {
  readonly name: string;
  readonly schema: S;
}

const topic = <S extends DescMessage>(name: string, schema: S): Topic<S> => ({ name, schema });

/** Every topic of the platform. Records are keyed by video id (account.deleted: by user id). */
export const topics = {
  videoUploaded: topic("video.uploaded", VideoUploadedSchema),
  videoProgress: topic("video.progress", VideoProgressSchema),
  videoTranscoded: topic("video.transcoded", VideoTranscodedSchema),
  videoFailed: topic("video.failed", VideoFailedSchema),
  videoDeleted: topic("video.deleted", VideoDeletedSchema),
  videoVisibility: topic("video.visibility", VideoVisibilityChangedSchema),
  deadLetter: topic("video.dead-letter", DeadLetterSchema),
  accountDeleted: topic("account.deleted", AccountDeletedSchema),
} as const;
