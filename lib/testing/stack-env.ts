/**
 * The real components' addresses, as exported by ./dev.sh (test, bench, up).
 * Tests fail with a clear message when run outside it.
 */
export interface StackEnv {
  redisUrl: string;
  databaseUrl: string;
  kafkaBrokers: string[];
  minioEndpoint: string;
  minioAccessKey: string;
  minioSecretKey: string;
  minioSourceBucket: string;
  minioMediaBucket: string;
  ffmpegPath: string;
  ffprobePath: string;
}

export function stackEnv(env: Record<string, string | undefined> = process.env): StackEnv {
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set: run tests with ./dev.sh test, which starts the real stack and exports it`);
    return value;
  };
  return {
    redisUrl: need("REDIS_URL"),
    databaseUrl: need("DATABASE_URL"),
    kafkaBrokers: need("KAFKA_BROKERS").split(","),
    minioEndpoint: need("MINIO_ENDPOINT"),
    minioAccessKey: need("MINIO_ACCESS_KEY"),
    minioSecretKey: need("MINIO_SECRET_KEY"),
    minioSourceBucket: env["MINIO_SOURCE_BUCKET"] ?? "xtream-sources",
    minioMediaBucket: env["MINIO_MEDIA_BUCKET"] ?? "xtream-media",
    ffmpegPath: env["FFMPEG_PATH"] ?? "ffmpeg",
    ffprobePath: env["FFPROBE_PATH"] ?? "ffprobe",
  };
}
