/**
 * The one place errors become HTTP answers: RFC 9457 problem details with a stable `type` per kind of error. Messages
 * of our typed errors are shown (redacted and without control characters); anything unexpected is a 500 that says
 * nothing of its insides, and never a stack trace.
 */

import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Conflict, GuardTripped, InvalidInput, NotAllowed, NotAuthenticated, NotFound, RequestsRefused, type SeatkeeperError } from '../domain/errors.ts';
import { CircuitOpenError, ConnectorError } from '../app/connector-error.ts';
import { redactSecrets } from '../domain/secret-redaction.ts';
import { escapeControl } from '../app/instance-check.ts';

/** Where the problem types are named; each is `${PROBLEM_BASE}<kind>`. */
export const PROBLEM_BASE = 'https://seatkeeper.dev/problems/';

/** A problem details object as sent. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    problems: z.array(z.string()).optional(),
    guard: z.string().optional(),
    next: z.unknown().optional(),
    /** Refused requests of a list (422, or 409 when the instance cannot do what one asks), each with every reason. */
    rows: z.array(z.object({ index: z.number().int(), username: z.string(), reasons: z.array(z.string()) })).optional(),
  })
  .meta({ id: 'Problem' });

/** A problem details object. */
export type Problem = z.infer<typeof problemSchema>;

const clean = (text: string): string => escapeControl(redactSecrets(text)).slice(0, 2000);

function problem(status: number, kind: string, title: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: `${PROBLEM_BASE}${kind}`, title, status, detail: clean(detail), ...extra };
}

const withNext = (error: SeatkeeperError): Partial<Problem> => (error.next === null ? {} : { next: error.next });

/** The status code Fastify (or a plugin) put on an error of its own, when it is a client error. */
function clientStatus(error: unknown): { status: number; code: string } | null {
  if (typeof error !== 'object' || error === null) return null;
  const status: unknown = Reflect.get(error, 'statusCode');
  const code: unknown = Reflect.get(error, 'code');
  if (typeof status !== 'number' || status < 400 || status > 499) return null;
  return { status, code: typeof code === 'string' ? code : '' };
}

const FASTIFY_KINDS: Readonly<Record<number, [string, string]>> = {
  400: ['bad-request', 'The request is malformed'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  406: ['not-acceptable', 'Not acceptable'],
  413: ['body-too-large', 'The request body is too large'],
  414: ['uri-too-long', 'A part of the path is too long'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  429: ['too-many-requests', 'Too many requests'],
};

/** The problem an error becomes. */
export function problemFor(error: unknown): Problem {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const problems = error.validation.map((v) => `${v.instancePath === '' ? '(request)' : v.instancePath}: ${v.message ?? 'invalid'}`);
    return problem(400, 'validation', 'The request does not match the schema', `the ${error.validationContext ?? 'request'} is not valid`, { problems: problems.map(clean) });
  }
  if (isResponseSerializationError(error)) return problem(500, 'internal', 'Internal error', 'the server could not answer; the error is logged');
  if (error instanceof RequestsRefused) {
    const rows = error.rows.map((r) => ({ index: r.index, username: clean(r.username), reasons: r.reasons.map(clean) }));
    const extra = { problems: error.problems.map(clean), rows };
    if (error.instanceCannot) return problem(409, 'instance-cannot', 'The instance cannot do what a request asks', error.message, extra);
    return problem(422, 'requests-refused', 'Requests were refused', error.message, extra);
  }
  if (error instanceof InvalidInput) return problem(400, 'invalid-input', 'Invalid input', error.message, { problems: error.problems.map(clean), ...withNext(error) });
  if (error instanceof NotAuthenticated) return problem(401, 'not-authenticated', 'Not authenticated', error.message);
  if (error instanceof NotAllowed) return problem(403, 'not-allowed', 'Not allowed', error.message, withNext(error));
  if (error instanceof NotFound) return problem(404, 'not-found', 'Not found', error.message, withNext(error));
  if (error instanceof GuardTripped) return problem(409, 'guard-tripped', 'Stopped by a safety guard', error.message, { guard: error.guard, ...withNext(error) });
  if (error instanceof Conflict) return problem(409, 'conflict', 'Conflict with the current state', error.message, withNext(error));
  if (error instanceof CircuitOpenError) return problem(503, 'instance-unavailable', 'The instance stopped answering', `${error.target}: ${error.message}`);
  if (error instanceof ConnectorError) return problem(502, 'instance-error', 'The instance answered with an error', `${error.target}: ${error.message}`);
  const fastify = clientStatus(error);
  if (fastify !== null) {
    const [kind, title] = FASTIFY_KINDS[fastify.status] ?? ['bad-request', 'The request is malformed'];
    const message = error instanceof Error ? error.message : title;
    return problem(fastify.status, kind, title, message);
  }
  return problem(500, 'internal', 'Internal error', 'the server could not answer; the error is logged');
}
