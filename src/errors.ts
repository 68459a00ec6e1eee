/** Codes of every error zoom-ws throws or rejects with. */
export type ZoomWsErrorCode =
  | 'ERR_ZOOM_WS_CONFIG'
  | 'ERR_ZOOM_WS_AUTH_REJECTED'
  | 'ERR_ZOOM_WS_TOKEN_FETCH'
  | 'ERR_ZOOM_WS_RETRIES_EXHAUSTED'
  | 'ERR_ZOOM_WS_STOPPED'
  | 'ERR_ZOOM_WS_REDIS';

/** Base class: `instanceof ZoomWsError` catches everything this library throws. */
export class ZoomWsError extends Error {
  override name = 'ZoomWsError';
  readonly code: ZoomWsErrorCode;

  constructor(code: ZoomWsErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** An option is missing or malformed. `field` names it; the message never repeats a secret's value. */
export class ZoomWsConfigError extends ZoomWsError {
  override name = 'ZoomWsConfigError';
  readonly field: string;

  constructor(field: string, problem: string) {
    super('ERR_ZOOM_WS_CONFIG', `Invalid option "${field}": ${problem}`);
    this.field = field;
  }
}

/**
 * Zoom refused the credentials or the request itself (HTTP 4xx other than 408/429 from the token endpoint).
 * Retrying cannot help, so the client stops in `failed`.
 */
export class ZoomAuthError extends ZoomWsError {
  override name = 'ZoomAuthError';
  readonly fatal = true;
  readonly status: number;
  /** Zoom's `error` field, e.g. `invalid_client`, `unsupported_grant_type`. */
  readonly zoomError: string | undefined;
  /** Zoom's `reason` field, e.g. `Invalid client_id or client_secret`. */
  readonly reason: string | undefined;

  constructor(status: number, zoomError: string | undefined, reason: string | undefined) {
    const detail = [zoomError, reason].filter(Boolean).join(': ') || 'no reason given';
    super('ERR_ZOOM_WS_AUTH_REJECTED', `Zoom rejected the token request (HTTP ${status} ${detail}); check the account id, client id, client secret and grant type`);
    this.status = status;
    this.zoomError = zoomError;
    this.reason = reason;
  }
}

/**
 * What went wrong with a token request that is worth retrying. `redirected`: the endpoint answered a 3xx, which
 * is never followed (the form body carries the credential); `malformed-response` includes a body over 64 KiB.
 */
export type TokenFetchFailure = 'network' | 'timeout' | 'rate-limited' | 'server-error' | 'malformed-response' | 'redirected' | 'provider-failed';

/**
 * A token request failed in a way that may pass (network, timeout, 429, 5xx, 3xx, malformed or oversized body).
 * zoom-ws never sets `cause` to the HTTP library's error: that error holds the request and its Basic header.
 */
export class TokenFetchError extends ZoomWsError {
  override name = 'TokenFetchError';
  readonly fatal = false;
  readonly failure: TokenFetchFailure;
  readonly status: number | undefined;
  /** From `Retry-After` on a 429/503: the machine waits at least this long. */
  readonly retryAfterMs: number | undefined;

  constructor(failure: TokenFetchFailure, message: string, details: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super('ERR_ZOOM_WS_TOKEN_FETCH', message, details.cause === undefined ? undefined : { cause: details.cause });
    this.failure = failure;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** `maxAttempts` consecutive connection attempts failed. */
export class RetriesExhaustedError extends ZoomWsError {
  override name = 'RetriesExhaustedError';
  readonly attempts: number;
  readonly lastFailure: string | undefined;

  constructor(attempts: number, lastFailure: string | undefined) {
    super('ERR_ZOOM_WS_RETRIES_EXHAUSTED', `Gave up after ${attempts} failed attempts${lastFailure ? ` (last: ${lastFailure})` : ''}`);
    this.attempts = attempts;
    this.lastFailure = lastFailure;
  }
}

/** `start()` was waiting for the subscription to go live but the client was stopped first. */
export class ClientStoppedError extends ZoomWsError {
  override name = 'ClientStoppedError';
  constructor() {
    super('ERR_ZOOM_WS_STOPPED', 'The client was stopped before the subscription went live');
  }
}

/** Redis answered something a zoom-ws script never returns, or did not answer in time. Retried like any outage. */
export class RedisReplyError extends ZoomWsError {
  override name = 'RedisReplyError';
  /** Which call: `acquire`, `renew`, `publish`, … */
  readonly operation: string;

  constructor(operation: string, problem: string) {
    super('ERR_ZOOM_WS_REDIS', `Redis ${operation}: ${problem}`);
    this.operation = operation;
  }
}
