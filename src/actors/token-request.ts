import ky, { HTTPError, TimeoutError } from 'ky';
import { TokenFetchError, ZoomAuthError } from '../errors.js';
import type { AccessToken, Secret } from '../protocol/secret.js';
import { Secret as SecretValue } from '../protocol/secret.js';
import { tokenErrorSchema, tokenResponseSchema } from '../protocol/token-response.js';

/** What a Server-to-Server OAuth token request needs. */
export interface TokenRequestConfig {
  oauthUrl: string;
  grantType: 'account_credentials' | 'client_credentials';
  accountId: string | undefined;
  clientId: string;
  clientSecret: Secret;
  /** Request timeout in ms. */
  timeout: number;
  /** Told about every token received, so the logger can scrub it should it ever appear in a message. */
  onToken?: (token: string) => void;
}

/**
 * `POST` the token endpoint once (no retries: retrying is the statechart's job, visibly) and classify the
 * outcome: a token, a fatal {@link ZoomAuthError}, or a transient {@link TokenFetchError}.
 * An abort through `signal` rejects with the abort reason.
 */
export async function requestAccessToken(config: TokenRequestConfig, signal?: AbortSignal): Promise<AccessToken> {
  const response = await send(config, signal);
  const body = await readBody(response, signal);
  const status = response.status;
  if (status === 200) return parseToken(body, config);
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const failure = status === 429 ? 'rate-limited' : 'server-error';
    return Promise.reject(new TokenFetchError(failure, `Token endpoint answered HTTP ${status}`, retryAfterMs === undefined ? { status } : { status, retryAfterMs }));
  }
  if (status >= 500 || status === 408) {
    return Promise.reject(new TokenFetchError('server-error', `Token endpoint answered HTTP ${status}`, { status }));
  }
  if (status >= 400) {
    const parsed = tokenErrorSchema.safeParse(safeJson(body));
    const details = parsed.success ? parsed.data : {};
    return Promise.reject(new ZoomAuthError(status, details.error, details.reason));
  }
  return Promise.reject(new TokenFetchError('malformed-response', `Token endpoint answered unexpected HTTP ${status}`, { status }));
}

async function send(config: TokenRequestConfig, signal: AbortSignal | undefined): Promise<Response> {
  const params = new URLSearchParams({ grant_type: config.grantType });
  if (config.grantType === 'account_credentials' && config.accountId) params.set('account_id', config.accountId);
  const basic = Buffer.from(`${config.clientId}:${config.clientSecret.reveal()}`).toString('base64');
  try {
    return await ky.post(config.oauthUrl, {
      body: params,
      headers: { authorization: `Basic ${basic}`, accept: 'application/json' },
      retry: 0,
      timeout: config.timeout,
      throwHttpErrors: false,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    throw classifyRequestError(error, signal);
  }
}

async function readBody(response: Response, signal: AbortSignal | undefined): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw classifyRequestError(error, signal);
  }
}

function classifyRequestError(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason ?? error;
  if (error instanceof TimeoutError) return new TokenFetchError('timeout', 'Token request timed out', { cause: error });
  if (error instanceof HTTPError) return new TokenFetchError('server-error', `Token endpoint answered HTTP ${error.response.status}`, { status: error.response.status });
  const message = error instanceof Error ? describeNetworkError(error) : 'unknown error';
  return new TokenFetchError('network', `Token request failed: ${message}`);
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
    throw new TokenFetchError('malformed-response', `Token endpoint answered 200 with an unusable body (${where}: ${issue?.message ?? 'invalid'})`, { status: 200 });
  }
  const issuedAt = Date.now();
  config.onToken?.(parsed.data.access_token);
  return { value: new SecretValue(parsed.data.access_token), issuedAt, expiresAt: issuedAt + parsed.data.expires_in * 1000 };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `Retry-After` is either delta-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
