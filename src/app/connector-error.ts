/** Errors from outside systems, with the target named and whether trying again can help. */
export class ConnectorError extends Error {
  override readonly name: string = 'ConnectorError';
  readonly target: string;
  readonly retryable: boolean;
  /** HTTP status when the error came from a response. */
  readonly status: number | null;
  /** A configuration problem the admin must fix (bad URL, credentials, version, permission). */
  readonly fixable: boolean;

  constructor(
    message: string,
    options: { target: string; retryable?: boolean; status?: number | null; fixable?: boolean; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.target = options.target;
    this.retryable = options.retryable ?? false;
    this.status = options.status ?? null;
    this.fixable = options.fixable ?? false;
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
