/** Errors from outside systems, with the target named and whether trying again can help. */
export class ConnectorError extends Error {
  override readonly name: string = 'ConnectorError';
  readonly target: string;
  readonly retryable: boolean;
  /** HTTP status when the error came from a response. */
  readonly status: number | null;
  /** A configuration problem the admin must fix (bad URL, credentials, version, permission). */
  readonly fixable: boolean;
  /** What the remote side said in its error body, as sent; null when it said nothing readable. */
  readonly said: string | null;

  constructor(
    message: string,
    options: { target: string; retryable?: boolean; status?: number | null; fixable?: boolean; said?: string | null; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.target = options.target;
    this.retryable = options.retryable ?? false;
    this.status = options.status ?? null;
    this.fixable = options.fixable ?? false;
    this.said = options.said ?? null;
  }
}

/**
 * The instance's circuit breaker stayed open past its longest pause: the remote side has been failing for minutes.
 * A run stops on it (rather than failing every remaining step) and is continued with `seatkeeper resume`.
 */
export class CircuitOpenError extends ConnectorError {
  override readonly name = 'CircuitOpenError';

  constructor(message: string, options: { target: string }) {
    super(message, { target: options.target, retryable: true });
  }
}

/**
 * A name (user or group) the connector will not put into a request path, because it cannot be addressed safely there
 * (e.g. a group name with `/`, which Confluence's group routes reject). A scan names such a group; a run reports the
 * row as not possible with `why`.
 */
export class UnaddressableName extends ConnectorError {
  override readonly name = 'UnaddressableName';

  constructor(
    readonly value: string,
    readonly why: string,
    target: string,
  ) {
    super(`not possible: ${JSON.stringify(value)} cannot be addressed safely over REST (${why})`, { target });
  }
}

/**
 * The instance refused a write it understood (a 4xx other than 401, 404 and 429): a read-only directory, a missing
 * permission or a secure-administrator-session rule; Confluence does not document which. The message quotes it.
 */
export class WriteRefused extends ConnectorError {
  override readonly name: string = 'WriteRefused';
}

/**
 * A removal refused because the user is in the group only through a nested group (Jira over REST cannot list child
 * groups, so a scan may take such a member for a direct one). The group itself may well be writable: a run reports the
 * row as not possible with the reason and does not remember the group as refused.
 */
export class NotDirectMember extends WriteRefused {
  override readonly name = 'NotDirectMember';

  constructor(
    message: string,
    readonly group: string,
    options: { target: string; status?: number | null; said?: string | null; cause?: unknown },
  ) {
    super(message, options);
  }
}
