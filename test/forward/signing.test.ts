import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventFilter } from '../../src/forward/filters.js';
import { signWebhook } from '../../src/forward/signing.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'zoom-events');
const SECRET = 'wh-secret-token-for-tests';

/** Written from Zoom's documented formula, not from our code. */
function verifiesRaw(body: string, headers: Record<string, string>): boolean {
  const expected = 'v0=' + createHmac('sha256', SECRET).update(`v0:${headers['x-zm-request-timestamp']}:${body}`).digest('hex');
  return expected === headers['x-zm-signature'];
}
function verifiesCanonical(body: string, headers: Record<string, string>): boolean {
  return verifiesRaw(JSON.stringify(JSON.parse(body)), headers);
}

describe('signWebhook', () => {
  it('signs every real fixture so that raw-byte and JSON.stringify(JSON.parse(body)) verifiers both accept it', () => {
    const files = readdirSync(fixtures).filter((name) => name.endsWith('.json'));
    expect(files.length).toBeGreaterThan(30);
    for (const file of files) {
      const pretty = readFileSync(path.join(fixtures, file), 'utf8');
      const compact = JSON.stringify(JSON.parse(pretty));
      for (const raw of [pretty, compact]) {
        const { body, headers } = signWebhook(SECRET, raw, 1_700_000_000_999);
        expect(headers['x-zm-request-timestamp']).toBe('1700000000');
        expect(headers['content-type']).toBe('application/json');
        expect(verifiesRaw(body, headers), file).toBe(true);
        expect(verifiesCanonical(body, headers), file).toBe(true);
        expect(JSON.parse(body)).toEqual(JSON.parse(raw));
      }
      // Already canonical text is sent byte for byte.
      expect(signWebhook(SECRET, compact).body).toBe(compact);
    }
  });

  it('handles non-ASCII text and escapes (\\u00e9, \\/) by sending the canonical form', () => {
    const raw = '{"event":"meeting.started","event_ts":1,"payload":{"object":{"topic":"Caf\\u00e9 \\/ r\\u00e9union — 会議 😀","url":"https:\\/\\/zoom.us\\/j\\/1"}}}';
    const { body, headers } = signWebhook(SECRET, raw);
    expect(body).not.toBe(raw);
    expect(body).toContain('Café / réunion — 会議 😀');
    expect(verifiesRaw(body, headers)).toBe(true);
    expect(verifiesCanonical(body, headers)).toBe(true);
    expect(verifiesRaw(body, { ...headers, 'x-zm-signature': signWebhook('wrong', raw).headers['x-zm-signature'] })).toBe(false);
  });

  it('never puts the secret token in the headers or body', () => {
    const { body, headers } = signWebhook(SECRET, '{"event":"a.b","event_ts":1,"payload":{}}');
    expect(JSON.stringify({ body, headers })).not.toContain(SECRET);
  });
});

describe('eventFilter', () => {
  it('includes by exact name and prefix pattern, then excludes', () => {
    const filter = eventFilter(['meeting.*', 'user.created'], ['meeting.participant_left']);
    expect(filter('meeting.started')).toBe(true);
    expect(filter('meeting.participant_left')).toBe(false);
    expect(filter('meetings.other')).toBe(false);
    expect(filter('user.created')).toBe(true);
    expect(filter('user.deleted')).toBe(false);
    expect(eventFilter()('anything.at_all')).toBe(true);
    expect(eventFilter([], ['recording.*'])('recording.completed')).toBe(false);
  });
});
