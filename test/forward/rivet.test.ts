import { readFileSync, readdirSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MeetingsS2SAuthClient } from '@zoom/rivet/meetings';
import { describe, expect, it } from 'vitest';
import { deliver, RETRY_DEFAULTS } from '../../src/forward/delivery.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'zoom-events');
const SECRET = 'rivet-webhook-secret';
const policy = { ...RETRY_DEFAULTS, maxAttempts: 1, timeout: 2_000 };

describe("Zoom's own SDK (@zoom/rivet HttpReceiver) as the receiver", () => {
  it('verifies every forwarded real event, and rejects a wrong secret token with a final 400', async () => {
    // Offline: constructing the S2S client fetches nothing; only the receiver listens (loopback, random port).
    const app = new MeetingsS2SAuthClient({ clientId: 'x', clientSecret: 'y', accountId: 'z', webhooksSecretToken: SECRET, port: 0 });
    const received: string[] = [];
    const server = (await app.start()) as unknown as Server;
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/zoom/events`;
      const files = readdirSync(fixtures).filter((name) => name.endsWith('.json'));
      const raws = files.map((file) => readFileSync(path.join(fixtures, file), 'utf8'));
      raws.push('{"event":"meeting.started","event_ts":2,"payload":{"object":{"topic":"Caf\\u00e9 \\/ 会議"}}}');
      const names = raws.map((raw) => (JSON.parse(raw) as { event: string }).event);
      for (const name of new Set(names)) app.webEventConsumer!.event(name as never, ((event: { event: string }) => void received.push(event.event)) as never);
      for (const raw of raws) expect(await deliver(url, SECRET, raw, {}, policy)).toMatchObject({ ok: true, status: 200 });
      expect(received).toEqual(names);
      const wrong = await deliver(url, 'not-the-secret', raws[0]!, {}, policy);
      expect(wrong).toMatchObject({ ok: false, status: 400, final: true, attempts: 1 });
      expect(received).toHaveLength(names.length);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
