import ky from 'ky';
import { TokenFetchError, ZoomAuthError } from '../errors.js';
import { describeServerText, scrubLocation } from '../protocol/redact.js';
import type { AccessToken, Secret } from '../protocol/secret.js';
import { Secret as SecretValue } from '../protocol/secret.js';
import { tokenErrorSchema, tokenResponseSchema } from '../protocol/token-response.js';

/** A token response is < 4 KB; anything beyond this is refused without being read further. */
export const MAX_TOKEN_BODY_BYTES = 64 * 1024;

/**
 * Longest token lifetime taken at its word, in seconds. Zoom's tokens live an hour; a longer claim is clamped
 * (with a warning) rather than refused, so an odd but honest endpoint still works — the token is merely
 * refreshed earlier than it had to be.
 */
export const MAX_TOKEN_LIFETIME_S = 24 * 3600;

/** What a Server-to-Server OAuth token request needs. */
export interface TokenRequestConfig {
  oauthUrl: string;
  grantType: 'account_credentials' | 'client_credentials';
  accountId: string | undefined;
  clientId: string;
  clientSecret: Secret;
  /** Time allowed for the whole exchange (connect, headers and body), in ms. */
  timeout: number;
  /** Told about every token received, so the logger can scrub it should it ever appear in a message. */
  onToken?: (token: string) => void;
  /** Told about answers that were used but not taken at their word (a clamped lifetime). */
  onWarning?: (message: string) => void;
  /** Scrubs known secrets from server text before it becomes part of an error. The client secret and its Basic form are always scrubbed. */
  scrub?: (text: string) => string;
  /** The `fetch` to send with (e.g. one bound to a proxy dispatcher). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
}

/** Why our own controller aborted the exchange: the timeout, as opposed to the caller's signal. */
class ExchangeTimeout extends Error {}

/**
 * `POST` the token endpoint once (no retries: retrying is the statechart's job, visibly) and classify the
 * outcome: a token, a fatal {@link ZoomAuthError}, or a transient {@link TokenFetchError}.
 * `timeout` covers the whole exchange, body included, and the body is read up to {@link MAX_TOKEN_BODY_BYTES}.
 * Redirects are not followed (the form carries the credential): a 3xx is a transient failure naming the location.
 * An abort through `signal` rejects with the abort reason. Errors never hold the request, its headers or the
 * HTTP library's error: only messages, scrubbed of the credential.
 */
export async function requestAccessToken(config: TokenRequestConfig, signal?: AbortSignal): Promise<AccessToken> {
  const basic = Buffer.from(`${config.clientId}:${config.clientSecret.reveal()}`).toString('base64');
  const scrub = scrubberOf(config, basic);
  const exchange = new AbortController();
  const onAbort = () => exchange.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const timer = setTimeout(() => exchange.abort(new ExchangeTimeout()), config.timeout);
  try {
    const response = await send(config, basic, exchange.signal);
    const body = await readBoundedBody(response, exchange);
    return classify(response, body, config, scrub);
  } catch (error) {
    throw classifyRequestError(error, exchange.signal, config, scrub);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function send(config: TokenRequestConfig, basic: string, signal: AbortSignal): Promise<Response> {
  const params = new URLSearchParams({ grant_type: config.grantType });
  if (config.grantType === 'account_credentials' && config.accountId) params.set('account_id', config.accountId);
  return ky.post(config.oauthUrl, {
    body: params,
    headers: { authorization: `Basic ${basic}`, accept: 'application/json' },
    retry: 0,
    // ky's timeout ends at the headers; ours (the exchange signal) also covers the body.
    timeout: false,
    redirect: 'manual',
    throwHttpErrors: false,
    signal,
    ...(config.fetch ? { fetch: config.fetch } : {}),
  });
}

/** Raised (and used as the abort reason) when the body exceeds {@link MAX_TOKEN_BODY_BYTES}. */
class BodyTooLarge extends Error {}

/** Reads at most {@link MAX_TOKEN_BODY_BYTES}; a larger body (declared or streamed) aborts the exchange unread. */
async function readBoundedBody(response: Response, exchange: AbortController): Promise<string> {
  const refuse = (): never => {
    const error = new BodyTooLarge();
    exchange.abort(error);
    throw error;
  };
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_TOKEN_BODY_BYTES) refuse();
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_TOKEN_BODY_BYTES) {
      void reader.cancel().catch(() => {});
      refuse();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function classify(response: Response, body: string, config: TokenRequestConfig, scrub: (text: string) => string): AccessToken {
  const status = response.status;
  if (status === 200) return parseToken(body, config);
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location');
    const where = location === null ? 'no location' : scrub(scrubLocation(location, config.oauthUrl));
    throw new TokenFetchError('redirected', `Token endpoint answered HTTP ${status} redirecting to ${where}; redirects are not followed (set oauthUrl to the final URL)`, { status });
  }
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const failure = status === 429 ? 'rate-limited' : 'server-error';
    throw new TokenFetchError(failure, `Token endpoint answered HTTP ${status}`, retryAfterMs === undefined ? { status } : { status, retryAfterMs });
  }
  if (status >= 500 || status === 408) throw new TokenFetchError('server-error', `Token endpoint answered HTTP ${status}`, { status });
  if (status >= 400) {
    const parsed = tokenErrorSchema.safeParse(safeJson(body));
    const details = parsed.success ? parsed.data : {};
    const text = (value: string | undefined) => (value === undefined ? undefined : scrub(describeServerText(value)));
    throw new ZoomAuthError(status, text(details.error), text(details.reason));
  }
  throw new TokenFetchError('malformed-response', `Token endpoint answered unexpected HTTP ${status}`, { status });
}

/** Server text never reaches an error with the client secret or its Basic form in it, whatever else the caller scrubs. */
function scrubberOf(config: TokenRequestConfig, basic: string): (text: string) => string {
  const own = [config.clientSecret.reveal(), basic];
  return (text) => {
    let result = text;
    for (const secret of own) if (secret.length >= 4) result = result.split(secret).join('[redacted]');
    return config.scrub ? config.scrub(result) : result;
  };
}

function classifyRequestError(error: unknown, signal: AbortSignal, config: TokenRequestConfig, scrub: (text: string) => string): unknown {
  if (error instanceof ZoomAuthError || error instanceof TokenFetchError) return error;
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  if (reason instanceof ExchangeTimeout) return new TokenFetchError('timeout', `Token request timed out after ${config.timeout} ms`);
  if (reason instanceof BodyTooLarge || error instanceof BodyTooLarge) {
    return new TokenFetchError('malformed-response', `Token endpoint answered a body larger than ${MAX_TOKEN_BODY_BYTES} bytes`, { status: 200 });
  }
  if (signal.aborted) return reason ?? error;
  // Only the message: the HTTP library's error holds the request, whose headers hold the credential.
  const message = error instanceof Error ? describeNetworkError(error) : 'unknown error';
  return new TokenFetchError('network', `Token request failed: ${scrub(describeServerText(message))}`);
}

function describeNetworkError(error: Error): string {
  // fetch wraps the interesting part (ECONNREFUSED …) in `cause`.
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === 'string') return `${error.message} (${cause.code})`;
  return error.message;
}

function parseToken(body: string, config: TokenRequestConfig): AccessToken {
  const parsed = tokenResponseSchema.safeParse(safeJson(body));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
    throw new TokenFetchError('malformed-response', `Token endpoint answered 200 with an unusable body (${describeServerText(where)}: ${issue?.message ?? 'invalid'})`, { status: 200 });
  }
  const issuedAt = Date.now();
  config.onToken?.(parsed.data.access_token);
  return { value: new SecretValue(parsed.data.access_token), issuedAt, expiresAt: issuedAt + lifetimeMs(parsed.data.expires_in, config) };
}

/** `expires_in` is positive and finite (the schema); a lifetime beyond {@link MAX_TOKEN_LIFETIME_S} is clamped. */
function lifetimeMs(expiresIn: number, config: TokenRequestConfig): number {
  if (expiresIn <= MAX_TOKEN_LIFETIME_S) return expiresIn * 1000;
  config.onWarning?.(`The token endpoint's expires_in of ${expiresIn} s is longer than ${MAX_TOKEN_LIFETIME_S} s; treating it as ${MAX_TOKEN_LIFETIME_S} s`);
  return MAX_TOKEN_LIFETIME_S * 1000;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Longest `Retry-After` honoured: a server cannot park the client for days. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

/** `Retry-After` is either delta-seconds or an HTTP date; capped at {@link MAX_RETRY_AFTER_MS}. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(MAX_RETRY_AFTER_MS, Math.round(seconds * 1000));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, date - now));
}
