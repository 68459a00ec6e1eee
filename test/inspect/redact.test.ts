import { describe, expect, it } from 'vitest';
import { REDACTED, redactForInspection } from '../../src/inspect/redact.js';
import { Secret } from '../../src/protocol/secret.js';
import { TokenFetchError } from '../../src/errors.js';

describe('redactForInspection', () => {
  it('replaces Secrets but keeps the times an AccessToken is judged by', () => {
    const token = { value: new Secret('tok-123456'), issuedAt: 1, expiresAt: 2 };
    expect(redactForInspection({ token, attempt: 3 })).toEqual({ token: { value: REDACTED, issuedAt: 1, expiresAt: 2 }, attempt: 3 });
  });

  it('scrubs access_token query values, known secrets in raw/URL/base64 form, and strings under sensitive keys', () => {
    const secret = 's3cr3t/+=value';
    const value = {
      detail: 'GET wss://ws.zoom.us/ws?subscriptionId=abc&access_token=eyJhbGciOi.x.y failed',
      echoed: `raw ${secret} url ${encodeURIComponent(secret)} b64 ${Buffer.from(secret).toString('base64')}`,
      headers: { Authorization: 'Basic Zm9vOmJhcg==' },
      accessToken: 'plain-token-value',
      clientSecret: 'anything',
      tokenTimeout: 10_000,
    };
    const text = JSON.stringify(redactForInspection(value, { secrets: () => [secret] }));
    expect(text).not.toContain('eyJhbGciOi');
    expect(text).toContain('access_token=[redacted]');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(encodeURIComponent(secret));
    expect(text).not.toContain(Buffer.from(secret).toString('base64'));
    expect(text).not.toContain('Zm9vOmJhcg');
    expect(text).not.toContain('plain-token-value');
    expect(text).not.toContain('anything');
    expect(text).toContain('"tokenTimeout":10000');
  });

  it('reduces errors to name, message, own primitive fields and a short cause', () => {
    const cause = Object.assign(new Error('request to https://zoom.us/oauth/token failed'), { request: { headers: { authorization: 'Basic abc' } } });
    const error = new TokenFetchError('server-error', 'HTTP 503', { status: 503, retryAfterMs: 1000, cause });
    expect(redactForInspection({ error })).toEqual({
      error: {
        name: 'TokenFetchError',
        message: 'HTTP 503',
        code: 'ERR_ZOOM_WS_TOKEN_FETCH',
        failure: 'server-error',
        fatal: false,
        status: 503,
        retryAfterMs: 1000,
        cause: { name: 'Error', message: 'request to https://zoom.us/oauth/token failed' },
      },
    });
  });

  it('never throws: cycles, throwing getters, functions, bigints and deep values become placeholders', () => {
    const cyclic: Record<string, unknown> = { n: 1n };
    cyclic.self = cyclic;
    const hostile = {
      get boom(): never {
        throw new Error('no');
      },
    };
    let deep: Record<string, unknown> = {};
    const top = deep;
    for (let i = 0; i < 50; i++) deep = (deep.next = {}) as Record<string, unknown>;
    const result = redactForInspection({ cyclic, hostile, fn: function storeToken() {}, top }) as Record<string, any>;
    expect(result.cyclic).toEqual({ n: '1', self: '[circular]' });
    expect(result.hostile).toBe('[unreadable]');
    expect(result.fn).toEqual({ type: 'storeToken' });
    expect(JSON.stringify(result.top)).toContain('[too deep]');
  });

  it('uses toJSON (xstate snapshots and actor refs describe themselves) and still redacts the result', () => {
    const snapshot = { toJSON: () => ({ value: 'open', context: { token: { value: new Secret('abcdef') } } }), machine: { huge: true } };
    expect(redactForInspection(snapshot)).toEqual({ value: 'open', context: { token: { value: REDACTED } } });
  });
});
