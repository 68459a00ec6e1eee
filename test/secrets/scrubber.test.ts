/**
 * The scrubber (issue 9 §4), one test per form a secret takes when a server or a log echoes it: raw, letter
 * case, URL-encoded, base64 and base64url (alone and inside `Basic base64(id:secret)`), hex, JSON-escaped in a
 * logged object, and tokens older than the recent ones kept as values.
 */
import { describe, expect, it } from 'vitest';
import { createRedactingLogger, type Logger } from '../../src/client/logger.js';
import { KnownSecrets, redactText } from '../../src/protocol/redact.js';
import { findLeak } from './leak-scan.js';

const CLIENT_ID = 'scrub-client';
const SECRET = 'Zq7-S3CR3T/cl1ent+s3cret=VaLue%x"q\\';
const BASIC = Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64');
const TOKEN = 'tok.AbCdEfGhIjKlMnOpQrStUvWxYz0123';

function known(): KnownSecrets {
  const secrets = new KnownSecrets();
  secrets.add(SECRET);
  secrets.add(BASIC);
  secrets.addToken(TOKEN);
  return secrets;
}

function expectScrubbed(text: string, secrets: Iterable<string> = known()): string {
  const scrubbed = redactText(text, secrets);
  expect(findLeak(scrubbed, { secret: SECRET, token: TOKEN })).toBeUndefined();
  expect(scrubbed).toContain('[redacted]');
  return scrubbed;
}

describe('scrubbing each form', () => {
  it('raw', () => {
    expect(expectScrubbed(`reason: ${SECRET} and ${TOKEN}.`)).toBe('reason: [redacted] and [redacted].');
  });

  it('letter case variants', () => {
    expectScrubbed(`A ${SECRET.toUpperCase()} B ${SECRET.toLowerCase()} C ${TOKEN.toUpperCase()}`);
  });

  it('URL-encoded once, twice and as a form value', () => {
    expectScrubbed(`?a=${encodeURIComponent(SECRET)}&b=${encodeURIComponent(encodeURIComponent(SECRET))}&${new URLSearchParams({ c: SECRET })}`);
    expectScrubbed(`lower-case escapes: ${encodeURIComponent(SECRET).toLowerCase()}`);
  });

  it('base64 and base64url, alone and at any offset inside a longer base64 text', () => {
    for (const encoding of ['base64', 'base64url'] as const) {
      for (const prefix of ['', 'x', 'xy', 'xyz:']) expectScrubbed(`blob ${Buffer.from(`${prefix}${SECRET}tail`).toString(encoding)} end`);
    }
  });

  it('the Basic credential base64(id:secret), with or without the scheme, and one we never sent', () => {
    expectScrubbed(`authorization: Basic ${BASIC}`);
    expectScrubbed(`echo ${BASIC}`);
    // A server re-encoding the pair differently still leaves the secret's own base64 characters.
    expectScrubbed(`echo ${Buffer.from(`other-id:${SECRET}`).toString('base64')}`);
    expect(redactText('authorization: basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', [])).toBe('authorization: basic [redacted]');
  });

  it('hex, lower and upper case', () => {
    const hex = Buffer.from(SECRET).toString('hex');
    expectScrubbed(`${hex} / ${hex.toUpperCase()}`);
  });

  it('JSON-escaped, once and twice, inside objects handed to the logger', () => {
    const seen: unknown[] = [];
    const target: Logger = { debug: () => {}, info: () => {}, warn: (...args: unknown[]) => seen.push(...args), error: () => {} };
    const logger = createRedactingLogger(target, known);
    logger.warn('server said', { body: JSON.stringify({ reason: SECRET, nested: JSON.stringify({ token: TOKEN, s: SECRET }) }) }, [SECRET]);
    const printed = JSON.stringify(seen);
    expect(findLeak(printed, { secret: SECRET, token: TOKEN })).toBeUndefined();
    expect(printed).toContain('[redacted]');
    expectScrubbed(JSON.stringify({ echoed: SECRET }));
    expectScrubbed(JSON.stringify(JSON.stringify({ echoed: SECRET })));
  });

  it('every token of the lifetime, not only the last 8 kept as values', () => {
    const secrets = known();
    const tokens = Array.from({ length: 40 }, (_, i) => `tok.${i}-Zz${'q'.repeat(10)}${i * 7919}Yy`);
    for (const token of tokens) secrets.addToken(token);
    expect([...secrets]).not.toContain(tokens[0]);
    expect([...secrets]).not.toContain(TOKEN);
    for (const token of [TOKEN, ...tokens]) {
      expect(redactText(`echo ${token} and ${token},x "${token}"`, secrets)).toBe('echo [redacted] and [redacted],x "[redacted]"');
    }
    expect(secrets.tokenDigestCount).toBe(41);
  });

  it('keeps the digests bounded: the oldest go first', () => {
    const secrets = new KnownSecrets({ recentKept: 2, digestsKept: 5 });
    for (let i = 0; i < 10; i++) secrets.addToken(`bounded-token-${i}-abcdefgh`);
    expect(secrets.tokenDigestCount).toBe(5);
    expect(secrets.isKnownToken('bounded-token-9-abcdefgh')).toBe(true);
    expect(secrets.isKnownToken('bounded-token-0-abcdefgh')).toBe(false);
  });

  it('tokens never seen: access_token values in queries and JSON, Bearer headers, JWTs', () => {
    const jwt = 'eyJhbGciOiJIUzUxMiJ9.eyJ2ZXIiOjksImF1aWQiOiIxIn0.c2lnbmF0dXJlLXBhcnQtaGVyZQ';
    const text = `?Access_Token=abc123-unseen&x=1 {"access_token":"unseen-json"} {\\"access_token\\":\\"unseen-nested\\"} Authorization: Bearer unseen.bearer.value1 ${jwt}`;
    const scrubbed = redactText(text, []);
    for (const piece of ['abc123-unseen', 'unseen-json', 'unseen-nested', 'unseen.bearer', 'eyJhbGciOiJIUzUxMiJ9']) expect(scrubbed).not.toContain(piece);
  });

  it('leaves ordinary text alone', () => {
    const prose = 'connecting → open; basic information; Bearer of bad news; closed with code 1006 (no reason); socket-12';
    expect(redactText(prose, known())).toBe(prose);
  });
});
