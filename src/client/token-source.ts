import { requestAccessToken, type TokenRequestConfig } from '../actors/token-request.js';
import { TokenFetchError, ZoomWsError, type TokenFetchFailure } from '../errors.js';
import type { AccessToken } from '../protocol/secret.js';
import { Secret } from '../protocol/secret.js';
import type { ProvidedToken, TokenProvider } from './options.js';

/** How one token request ended, for metrics: `ok`, or the failure kind (`network`, `rejected` for a fatal 4xx …). */
export type TokenFetchResult = 'ok' | 'auth-rejected' | 'error' | TokenFetchFailure;

export interface TokenSourceConfig {
  /** The built-in Server-to-Server OAuth request (used without a provider). */
  request: TokenRequestConfig;
  provider: TokenProvider | undefined;
  /** Told about each token zoom-ws fetched itself (not provided ones). */
  onFetched: ((token: ProvidedToken) => void) | undefined;
  /** Told about every token value, provided or fetched, before anything else sees it (to scrub it from logs). */
  onValue: (token: string) => void;
  /** Whether Zoom refused the token handed out last; read and cleared per request. */
  takeRejected: () => boolean;
  onResult: (result: TokenFetchResult) => void;
  warn: (message: string) => void;
}

/** The `fetchToken` actor's body: the service's provider when there is one, else zoom-ws's own request. */
export function createTokenSource(config: TokenSourceConfig): (signal: AbortSignal) => Promise<AccessToken> {
  return async (signal) => {
    try {
      const token = config.provider ? await fromProvider(config.provider, config, signal) : await requestAccessToken(config.request, signal);
      config.onResult('ok');
      if (!config.provider && config.onFetched) handOver(config, token);
      return token;
    } catch (error) {
      if (!signal.aborted) config.onResult(resultOf(error));
      throw error;
    }
  };
}

async function fromProvider(provider: TokenProvider, config: TokenSourceConfig, signal: AbortSignal): Promise<AccessToken> {
  let provided: unknown;
  try {
    provided = await provider({ signal, rejected: config.takeRejected() });
  } catch (error) {
    if (signal.aborted) throw signal.reason ?? error;
    // A fatal error of ours (ZoomAuthError from the service's own fetch) stays fatal; anything else is retried.
    if (error instanceof ZoomWsError) throw error;
    throw new TokenFetchError('provider-failed', `tokenProvider failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const token = provided as Partial<ProvidedToken> | null | undefined;
  const accessToken = token?.accessToken;
  if (typeof accessToken !== 'string' || accessToken.trim() === '') {
    throw new TokenFetchError('malformed-response', 'tokenProvider returned no accessToken string');
  }
  config.onValue(accessToken);
  const expiresAt = token!.expiresAt instanceof Date ? token!.expiresAt.getTime() : token!.expiresAt;
  const issuedAt = Date.now();
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) throw new TokenFetchError('malformed-response', 'tokenProvider returned no usable expiresAt');
  // An expired token would be refreshed at once, again and again: treat it as a failed request (backoff).
  if (expiresAt <= issuedAt) throw new TokenFetchError('malformed-response', 'tokenProvider returned a token that has already expired');
  return { value: new Secret(accessToken), issuedAt, expiresAt };
}

function handOver(config: TokenSourceConfig, token: AccessToken): void {
  try {
    config.onFetched!({ accessToken: token.value.reveal(), expiresAt: token.expiresAt });
  } catch (error) {
    config.warn(`onToken threw; the client carries on: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function resultOf(error: unknown): TokenFetchResult {
  if (error instanceof TokenFetchError) return error.failure;
  if (error instanceof ZoomWsError && error.code === 'ERR_ZOOM_WS_AUTH_REJECTED') return 'auth-rejected';
  return 'error';
}
