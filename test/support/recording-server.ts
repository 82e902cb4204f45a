/**
 * A loopback HTTP server that records every request it receives (above all, whether an Authorization header came
 * along) and answers each with a handler's reply. Stands in for "another origin" in tests of link, redirect and
 * credential handling: a test asserts it saw nothing, or nothing secret.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** One request as it arrived. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | null;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** Answers one request; `index` counts from 0. */
export type RecordingHandler = (req: IncomingMessage, res: ServerResponse, index: number) => void;

/** A running server. */
export interface RecordingServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Writes `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': payload.length, ...headers });
  res.end(payload);
}

/** Starts a server on 127.0.0.1; by default it answers `{}` with 200. */
export async function startRecordingServer(handler: RecordingHandler = (_req, res) => sendJson(res, 200, {})): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const index = requests.length;
      requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization ?? null, headers: req.headers, body });
      handler(req, res, index);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
