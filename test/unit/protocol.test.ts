import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../machines/backoff.js';
import { hasUsableToken, refreshDueIn } from '../../machines/connection.machine.js';
import { classifyRefusal, decodeFrame } from '../../src/protocol/frames.js';
import { redactText, redactUrl } from '../../src/protocol/redact.js';
import { Secret } from '../../src/protocol/secret.js';
import { connectionUrl } from '../../src/actors/socket.js';
import { parseRetryAfter } from '../../src/actors/token-request.js';

describe('frame decoding', () => {
  it('classifies the frames of the protocol', () => {
    expect(decodeFrame('{"module":"build_connection","success":true,"content":"ok","header":{}}')).toEqual({ kind: 'connected' });
    expect(decodeFrame('{"module":"heartbeat","success":true,"content":"live","header":{}}')).toEqual({ kind: 'heartbeat' });
    const inner = { event: 'meeting.started', event_ts: 1, payload: { account_id: 'a', object: { id: 1 } } };
    const content = JSON.stringify(inner);
    expect(decodeFrame(JSON.stringify({ module: 'message', success: true, content, header: {} }))).toEqual({ kind: 'event', event: inner, content });
  });

  it('branches on success, not on content', () => {
    expect(decodeFrame('{"module":"build_connection","success":false,"content":"Invalid Token","header":{}}')).toMatchObject({ kind: 'refused', cause: 'token-rejected' });
    expect(decodeFrame('{"module":"heartbeat","success":false,"content":"live","header":{}}')).toMatchObject({ kind: 'refused', cause: 'refused' });
  });

  it.each([
    ['Invalid Token', 'token-rejected'],
    ['Token is invalid', 'token-rejected'],
    ['token is empty', 'token-rejected'],
    ['TOKEN HAS EXPIRED', 'token-rejected'],
    ['Connected in another place', 'displaced'],
    ['connected in another place!', 'displaced'],
    ['Subscription not found', 'refused'],
    ['', 'refused'],
  ])('refusal "%s" → %s', (content, cause) => {
    expect(classifyRefusal(content)).toBe(cause);
  });

  it.each([
    ['not json', /not JSON/],
    ['null', /no valid envelope/],
    ['{"module":7}', /no valid envelope/],
    ['{"module":"weird","success":true}', /unknown module "weird"/],
    ['{"module":"message","success":true,"content":"{"}', /content is not JSON/],
    ['{"module":"message","success":true,"content":"{\\"event\\":\\"\\",\\"event_ts\\":1,\\"payload\\":{}}"}', /not an event \(event/],
    ['{"module":"message","success":true,"content":"{\\"event\\":\\"x\\",\\"event_ts\\":1,\\"payload\\":[]}"}', /not an event \(payload/],
  ])('skips %s with a reason', (text, reason) => {
    const decoded = decodeFrame(text);
    expect(decoded.kind).toBe('skipped');
    expect((decoded as { reason: string }).reason).toMatch(reason);
  });
});

describe('backoff delay', () => {
  it('doubles per attempt, is capped, and jitters into [d/2, d]', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 1_000, 30_000, 0))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 15_000]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 1_000, 30_000, 0.999_999))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
    expect(backoffDelay(10_000, 1_000, 30_000, 0.5)).toBe(22_500);
  });

  it('never lets a later delay fall below an earlier floor, whatever the jitter', () => {
    for (let attempt = 1; attempt < 40; attempt++) {
      const earliestNext = backoffDelay(attempt + 1, 250, 60_000, 0);
      const latestThisFloor = backoffDelay(attempt, 250, 60_000, 0);
      expect(earliestNext).toBeGreaterThanOrEqual(latestThisFloor);
    }
  });
});

describe('token timing', () => {
  const token = { value: new Secret('t'), issuedAt: 0, expiresAt: 3_600_000 };

  it('refreshes refreshMargin before expiry', () => {
    expect(refreshDueIn(token, 300_000, 0)).toBe(3_300_000);
    expect(refreshDueIn(token, 300_000, 3_400_000)).toBe(0);
  });

  it('never refreshes before half the token life (no hot loop on short tokens)', () => {
    const short = { value: new Secret('t'), issuedAt: 0, expiresAt: 10_000 };
    expect(refreshDueIn(short, 300_000, 0)).toBe(5_000);
  });

  it('reuses a token only while more than the margin is left', () => {
    expect(hasUsableToken(token, 300_000, 3_299_999)).toBe(true);
    expect(hasUsableToken(token, 300_000, 3_300_000)).toBe(false);
    expect(hasUsableToken(undefined, 300_000, 0)).toBe(false);
  });
});

describe('secrets', () => {
  it('Secret never prints its value', () => {
    const secret = new Secret('hunter2-value');
    const holder = { token: secret };
    expect(JSON.stringify(holder)).toBe('{"token":"[redacted]"}');
    expect(`${secret}`).toBe('[redacted]');
    expect(inspect(holder)).not.toContain('hunter2');
    expect(secret.reveal()).toBe('hunter2-value');
  });

  it('the connection URL carries both parameters; the redacted form hides the token', () => {
    const url = connectionUrl('wss://ws.zoom.us/ws?region=us', 'sub 1', 'tok/en+=');
    const parsed = new URL(url);
    expect(parsed.searchParams.get('subscriptionId')).toBe('sub 1');
    expect(parsed.searchParams.get('access_token')).toBe('tok/en+=');
    expect(parsed.searchParams.get('region')).toBe('us');
    expect(redactUrl(url)).toBe('wss://ws.zoom.us/ws?region=us&subscriptionId=sub+1&access_token=[redacted]');
  });

  it('redactText scrubs raw, URL-encoded and base64 forms', () => {
    const secret = 'pa/ss+word';
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${Buffer.from(secret).toString('base64')}`;
    expect(redactText(text, [secret])).toBe('a [redacted] b [redacted] c [redacted]');
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2_000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
