/**
 * `POST /oauth/token`: Zoom's Server-to-Server OAuth token endpoint (protocol §1), with injectable failures
 * and delays.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { FaultQueue } from './fault-queue.js';
import type { HookEmitter } from './hooks.js';
import type { SimulatorSettings } from './options.js';
import type { TokenStore } from './token-store.js';
import type { SimulatorHookMap, SimulatorStats, TokenFailureOptions } from './types.js';

export const TOKEN_PATH = '/oauth/token';

/** Scopes an S2S app subscribed to meeting, recording and user events would typically hold. */
const GRANTED_SCOPE =
  'marketplace:read:list_event_subscriptions meeting:read:meeting:admin recording:read:recording:admin user:read:user:admin';

/** Bodies larger than this are refused: a token request is a few dozen bytes. */
const MAX_BODY_BYTES = 16 * 1024;

/** What a captive portal or a misrouted proxy might answer with a 200. */
const NOT_JSON_BODY = '<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>';
/** JSON that parses but has no usable token: `access_token` missing, `expires_in` not a number. */
const WRONG_SHAPE_BODY = JSON.stringify({ token_type: 'bearer', expires_in: 'soon', scope: GRANTED_SCOPE });

type GrantType = 'account_credentials' | 'client_credentials';

/** How a request will be answered, decided when it arrives and written (maybe later) by {@link TokenEndpoint.write}. */
type Outcome =
  | { readonly kind: 'grant'; readonly grantType: GrantType }
  | {
      readonly kind: 'failure';
      readonly status: number;
      readonly body: string;
      readonly contentType: string;
      readonly retryAfterSeconds?: number;
    };

interface ParkedResponse {
  readonly response: ServerResponse;
  readonly timer: NodeJS.Timeout;
}

export interface TokenEndpointDependencies {
  readonly settings: SimulatorSettings;
  readonly tokens: TokenStore;
  readonly faults: FaultQueue;
  readonly stats: SimulatorStats;
  readonly hooks: HookEmitter<SimulatorHookMap>;
}

export class TokenEndpoint {
  /** Responses waiting for a slow-token delay; released on client abort and on {@link dispose}. */
  private readonly parked = new Set<ParkedResponse>();

  constructor(private readonly deps: TokenEndpointDependencies) {}

  /** Responses currently waiting for their delay (lets tests check that aborts release them). */
  get pendingResponses(): number {
    return this.parked.size;
  }

  handle(request: IncomingMessage, response: ServerResponse): void {
    this.deps.stats.tokenRequests += 1;
    if (request.method !== 'POST') {
      request.resume();
      this.write(response, errorOutcome(405, 'Method Not Allowed', 'invalid_request'), 0);
      return;
    }
    readBody(request).then(
      (body) => {
        if (body === undefined) {
          this.write(response, errorOutcome(413, 'Request body too large', 'invalid_request'), 0);
          return;
        }
        const failure = this.deps.faults.takeTokenFailure();
        const outcome = failure ? injectedFailure(failure) : this.decide(request, body);
        this.write(response, outcome, failure?.delayMs ?? this.deps.faults.tokenDelayMs);
      },
      // The client went away while sending its body: nobody is left to answer.
      () => response.destroy(),
    );
  }

  /** Destroys responses still waiting for their delay and clears their timers. */
  dispose(): void {
    for (const parked of this.parked) {
      clearTimeout(parked.timer);
      parked.response.destroy();
    }
    this.parked.clear();
  }

  /** Validates credentials and parameters the way Zoom does. */
  private decide(request: IncomingMessage, body: string): Outcome {
    const { settings } = this.deps;
    const credentials = readBasicAuth(request.headers.authorization);
    if (credentials?.clientId !== settings.clientId || credentials.clientSecret !== settings.clientSecret) {
      return errorOutcome(400, 'Invalid client_id or client_secret', 'invalid_client');
    }
    const params = readParams(request, body);
    const grantType = params.get('grant_type');
    if (grantType === 'client_credentials') return { kind: 'grant', grantType };
    if (grantType !== 'account_credentials') return errorOutcome(400, 'unsupported grant type', 'unsupported_grant_type');
    const accountId = params.get('account_id');
    if (!accountId) return errorOutcome(400, 'Missing account_id', 'invalid_request');
    if (accountId !== settings.accountId) return errorOutcome(400, 'Invalid account_id', 'invalid_request');
    return { kind: 'grant', grantType };
  }

  /** Writes the outcome now or after `delayMs`. Tokens are issued only when actually written. */
  private write(response: ServerResponse, outcome: Outcome, delayMs: number): void {
    if (delayMs <= 0) {
      this.writeNow(response, outcome);
      return;
    }
    const onClientGone = (): void => {
      clearTimeout(parked.timer);
      this.parked.delete(parked);
    };
    const parked: ParkedResponse = {
      response,
      timer: setTimeout(() => {
        this.parked.delete(parked);
        response.off('close', onClientGone);
        this.writeNow(response, outcome);
      }, delayMs),
    };
    this.parked.add(parked);
    // 'close' before the end means the client aborted: drop the timer now rather than at stop().
    response.once('close', onClientGone);
  }

  private writeNow(response: ServerResponse, outcome: Outcome): void {
    if (response.destroyed || response.writableEnded) return;
    const { stats, settings, tokens, hooks } = this.deps;
    if (outcome.kind === 'failure') {
      stats.tokenFailures += 1;
      const headers: Record<string, string> = { 'content-type': outcome.contentType };
      if (outcome.retryAfterSeconds !== undefined) headers['retry-after'] = String(outcome.retryAfterSeconds);
      if (outcome.status === 405) headers.allow = 'POST';
      response.writeHead(outcome.status, headers).end(outcome.body);
      return;
    }
    const { accessToken, expiresAt } = tokens.issue(settings.tokenTtlSeconds);
    stats.tokensIssued += 1;
    const body = {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: settings.tokenTtlSeconds,
      scope: GRANTED_SCOPE,
      api_url: 'https://api.zoom.us',
    };
    response.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
    hooks.emit('token', { accessToken, expiresIn: settings.tokenTtlSeconds, expiresAt, grantType: outcome.grantType });
  }
}

function errorOutcome(status: number, reason: string, error: string): Outcome {
  return { kind: 'failure', status, body: JSON.stringify({ reason, error }), contentType: 'application/json;charset=UTF-8' };
}

function injectedFailure(how: TokenFailureOptions): Outcome {
  const malformed = how.malformed === true ? 'not-json' : how.malformed || undefined;
  const status = how.status ?? (malformed ? 200 : 500);
  const statusText = STATUS_CODES[status] ?? 'Error';
  const body =
    how.body ??
    (malformed === 'not-json'
      ? NOT_JSON_BODY
      : malformed === 'wrong-shape'
        ? WRONG_SHAPE_BODY
        : JSON.stringify({ reason: statusText, error: statusText.toLowerCase().replace(/\W+/g, '_') }));
  return {
    kind: 'failure',
    status,
    body,
    contentType: malformed === 'not-json' ? 'text/html;charset=UTF-8' : 'application/json;charset=UTF-8',
    ...(how.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: how.retryAfterSeconds }),
  };
}

/** Decodes `Authorization: Basic base64(client_id:client_secret)`; `undefined` when absent or garbled. */
function readBasicAuth(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
}

/** Zoom accepts the parameters in the query string or in a form body; the body wins when both have one. */
function readParams(request: IncomingMessage, body: string): URLSearchParams {
  const params = new URL(request.url ?? '/', 'http://simulator').searchParams;
  const contentType = request.headers['content-type'] ?? '';
  if (contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(body)) params.set(key, value);
  }
  return params;
}

/** Reads the whole body as UTF-8; resolves `undefined` when it exceeds {@link MAX_BODY_BYTES}. */
function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
    request.on('close', () => {
      if (!request.complete) reject(new Error('client aborted the token request'));
    });
  });
}
