import { fromPromise } from 'xstate';
import type { AccessToken } from '../protocol/secret.js';
import { requestAccessToken, type TokenRequestConfig } from './token-request.js';

/**
 * The `fetchToken` actor: one token request per invocation. Stopping the actor (leaving `authenticating`,
 * `stop()`) aborts the HTTP request through the AbortSignal xstate hands to promise actors.
 */
export function createTokenFetcher(config: TokenRequestConfig) {
  return fromPromise<AccessToken>(({ signal }) => requestAccessToken(config, signal));
}
