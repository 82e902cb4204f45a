/** What `seatkeeper serve` calls to host the API beside the scheduler: builds the server and listens on `server.listen`. */

import type { Runtime } from '../runtime/runtime.ts';
import { buildApiServer } from './api-server.ts';

/** A listening API. */
export interface ListeningApi {
  /** `http://HOST:PORT` as bound (the port chosen when the config says 0). */
  readonly address: string;
  /** Stops accepting requests and waits for the work they started. */
  close(): Promise<void>;
}

/** Starts the API when the config has `server.listen`; null when it does not (the scheduler runs alone). */
export async function listenApi(runtime: Runtime, log: (line: string) => void): Promise<ListeningApi | null> {
  const { listen, port } = runtime.config.server;
  if (listen === undefined) return null;
  const server = await buildApiServer({ runtime, log });
  const address = await server.app.listen({ host: listen.host, port: listen.port ?? port });
  return { address, close: () => server.close() };
}
