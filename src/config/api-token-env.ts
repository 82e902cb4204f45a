/** The API token a CLI command proves its caller with (SEATKEEPER_TOKEN); read here, the one place that reads process.env. */

/** The token in SEATKEEPER_TOKEN, or undefined when it is not set. */
export function apiTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env.SEATKEEPER_TOKEN?.trim();
  return token === undefined || token === '' ? undefined : token;
}
