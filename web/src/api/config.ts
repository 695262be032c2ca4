/** What the gateway tells the browser app about its surroundings (GET /app-config.json). */
export interface AppConfig {
  /** Base URL of the HLS edge, for example http://127.0.0.1:8081. */
  edgeUrl: string;
}

let config: AppConfig = { edgeUrl: `${location.protocol}//${location.hostname}:8081` };

/** Loads /app-config.json once at start-up; keeps the default when it is missing. */
export async function loadAppConfig(): Promise<AppConfig> {
  try {
    const response = await fetch("/app-config.json", { cache: "no-cache" });
    if (response.ok) config = { ...config, ...((await response.json()) as Partial<AppConfig>) };
  } catch {
    // Keep the default: the app still works against a gateway without the endpoint.
  }
  return config;
}

/** The loaded configuration. */
export function appConfig(): AppConfig {
  return config;
}

/** Poster of a public video, straight from the edge. */
export function posterUrl(videoId: string): string {
  return `${config.edgeUrl}/v/${videoId}/poster.jpg`;
}
