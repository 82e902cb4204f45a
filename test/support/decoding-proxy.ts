/**
 * A deliberately misconfigured reverse proxy on loopback, for path-injection tests: like an nginx `proxy_pass` with a
 * URI part, it percent-decodes the request path (so `%2F` becomes `/`, `%2E` becomes `.`, `%5C` becomes `\`), then
 * resolves `.`/`..` segments and forwards what is left to the upstream. A name that reaches a path through it can
 * address another resource: `a%2F..%2Fops-admin` arrives as `ops-admin`.
 */

import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';

/** A running proxy. */
export interface DecodingProxy {
  /** The proxy's base URL with the upstream's path (e.g. `http://127.0.0.1:<port>/confluence`). */
  readonly url: string;
  /** Each path as received and as forwarded, in order. */
  readonly forwarded: { readonly received: string; readonly sent: string }[];
  close(): Promise<void>;
}

/** Decodes and normalises a path as a careless proxy does; `\` counts as a separator, as some back-ends treat it. */
export function decodeAndNormalise(path: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    decoded = path;
  }
  const out: string[] = [];
  for (const segment of decoded.replace(/\\/g, '/').split('/')) {
    if (segment === '.' || segment === '') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  // Re-encoded per segment, as the upstream expects a valid path: the damage is in the segments, already done.
  return `/${out.map((segment) => encodeURIComponent(segment)).join('/')}${decoded.endsWith('/') && out.length > 0 ? '/' : ''}`;
}

/** Starts the proxy in front of `upstream` (a base URL such as the emulator's `http://127.0.0.1:4000/confluence`). */
export async function startDecodingProxy(upstream: string): Promise<DecodingProxy> {
  const target = new URL(upstream);
  const forwarded: { received: string; sent: string }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const raw = req.url ?? '/';
    const queryAt = raw.indexOf('?');
    const path = queryAt < 0 ? raw : raw.slice(0, queryAt);
    const query = queryAt < 0 ? '' : raw.slice(queryAt);
    const sent = `${decodeAndNormalise(path)}${query}`;
    forwarded.push({ received: raw, sent });
    const upstreamRequest = request(
      { host: target.hostname, port: target.port, method: req.method, path: sent, headers: { ...req.headers, host: target.host } },
      (upstreamResponse) => {
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(res);
      },
    );
    upstreamRequest.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstreamRequest);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}${target.pathname.replace(/\/+$/, '')}`,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
