const REDACTED = '[redacted]';

/**
 * A string that must never be printed: a client secret or an access token.
 *
 * The value lives in a private field, so `JSON.stringify`, `util.inspect`, template strings and structured
 * logging all see `[redacted]`. Only code that really needs the value (building the Basic auth header or the
 * WebSocket URL) calls {@link Secret.reveal}. This makes machine snapshots and inspection events safe by
 * construction instead of by remembering to scrub them.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The raw value. Call it only where the value leaves the process towards Zoom. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Secret(${REDACTED})`;
  }
}

/** An access token and the times that decide when it is refreshed. */
export interface AccessToken {
  readonly value: Secret;
  /** Epoch ms at which the token was received. */
  readonly issuedAt: number;
  /** Epoch ms at which Zoom stops accepting it (`issuedAt + expires_in · 1000`). */
  readonly expiresAt: number;
}
