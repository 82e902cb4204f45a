/**
 * Server-Sent Events of a resource read from the store: a `progress` event at once and whenever the resource changes,
 * an `end` event once it is finished, then the stream closes. Polling the store (not listening in-process) follows
 * work that another process does. Polling stops when the client goes away or the server closes.
 */

import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** How often the store is read and a keep-alive comment sent. */
export interface EventTiming {
  readonly pollMs: number;
  readonly heartbeatMs: number;
}

/** The defaults: the store every half second, a comment every 15 s so proxies keep the connection. */
export const DEFAULT_EVENT_TIMING: EventTiming = { pollMs: 500, heartbeatMs: 15_000 };

/** The streams open now, so the server's close can end them instead of waiting for them. */
export interface OpenStreams {
  add(end: () => void): () => void;
  endAll(): void;
  /** How many are open. */
  count(): number;
}

/** A registry of open streams. */
export function openStreams(): OpenStreams {
  const ends = new Set<() => void>();
  return {
    add(end) {
      ends.add(end);
      return () => ends.delete(end);
    },
    endAll() {
      for (const end of [...ends]) end();
    },
    count: () => ends.size,
  };
}

/** The id after the client's Last-Event-ID (a decimal count), so ids keep increasing across a reconnect. */
export function firstEventId(header: string | string[] | undefined): number {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^\d{1,15}$/.test(text)) return 1;
  return Number(text) + 1;
}

/** One event in the wire format; data is JSON on one line, so no newline in it can end the event early. */
export function formatEvent(id: number, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Answers with an event stream of what `read` returns. `read` is called once before answering, so its error (e.g.
 * NotFound) becomes an ordinary problem answer; later errors end the stream with an `error` event.
 */
export async function streamEvents<T extends { readonly finished: boolean }>(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { read: () => Promise<T>; timing: EventTiming; streams: OpenStreams; log: (line: string) => void },
): Promise<FastifyReply> {
  const { read, timing, streams, log } = options;
  const first = await read();
  const out = new PassThrough();
  let nextId = firstEventId(request.headers['last-event-id']);
  let last = '';
  let stopped = false;
  const timers: { poll: NodeJS.Timeout | null; beat: NodeJS.Timeout | null } = { poll: null, beat: null };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (timers.poll !== null) clearTimeout(timers.poll);
    if (timers.beat !== null) clearInterval(timers.beat);
    forget();
    out.end();
  };
  const forget = streams.add(stop);
  const emit = (value: T) => {
    const { finished, ...data } = value;
    const text = JSON.stringify(data);
    if (text !== last) {
      out.write(formatEvent(nextId, 'progress', data));
      nextId += 1;
      last = text;
    }
    if (finished) {
      out.write(formatEvent(nextId, 'end', data));
      stop();
    }
  };
  const poll = async () => {
    timers.poll = null;
    try {
      const value = await read();
      if (stopped) return;
      emit(value);
    } catch (error) {
      if (stopped) return;
      // As with an unexpected error answer, the client learns nothing of its cause; the operator's log does.
      log(`${request.method} ${request.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      out.write(formatEvent(nextId, 'error', { detail: 'the progress could not be read; reconnect to try again' }));
      stop();
      return;
    }
    if (!stopped) timers.poll = setTimeout(() => void poll(), timing.pollMs);
  };
  // Either side's close means the client is gone (or the answer is over): stop reading the store.
  request.raw.on('close', stop);
  reply.raw.on('close', stop);
  timers.beat = setInterval(() => out.write(': keepalive\n\n'), timing.heartbeatMs);
  emit(first);
  if (!stopped) timers.poll = setTimeout(() => void poll(), timing.pollMs);
  return reply.code(200).type('text/event-stream; charset=utf-8').header('x-accel-buffering', 'no').send(out);
}
