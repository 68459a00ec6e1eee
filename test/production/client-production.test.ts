import { describe, expect, it } from 'vitest';
import type { ProvidedToken } from '../../src/client/options.js';
import { sampleEvent, useHarness, type Harness } from '../support/harness.js';
import { fetchSimulatorToken } from '../support/simulator-token.js';

describe('shared tokens: tokenProvider and onToken', () => {
  const harness = useHarness();

  it('onToken hands every token zoom-ws fetched to the service', async () => {
    const handed: ProvidedToken[] = [];
    const h = await harness({ onToken: (token) => void handed.push(token) });
    await h.client.start();
    expect(handed).toHaveLength(1);
    expect(h.sim.stats.tokenRequests).toBe(1);
    expect(typeof handed[0]!.accessToken).toBe('string');
    expect(handed[0]!.expiresAt).toBeGreaterThan(Date.now());
  });

  it('a provider replaces the built-in fetch; a rejected token asks it again with rejected:true after backoff; its tokens are scrubbed', async () => {
    // "The service's cache": tokens it fetched itself from the simulator's token endpoint.
    let sim: Harness['sim'] | undefined;
    const served: string[] = [];
    const calls: { rejected: boolean; at: number }[] = [];
    const fetchFromSim = async () => {
      const token = await fetchSimulatorToken(sim!);
      served.push(token.accessToken);
      return token;
    };
    const h = await harness({
      backoffInitial: 60,
      backoffMax: 60,
      tokenProvider: async ({ rejected }) => {
        calls.push({ rejected, at: Date.now() });
        return fetchFromSim();
      },
    });
    sim = h.sim;
    await h.client.start();
    expect(calls).toEqual([{ rejected: false, at: expect.any(Number) }]);
    const fetchedBySim = h.sim.stats.tokenRequests;
    expect(fetchedBySim).toBe(1);

    h.sim.faults.revokeTokens();
    h.sim.faults.drop();
    await h.until(() => calls.length >= 2 && h.client.state === 'open', 5_000, 'a second provider call and open again');
    expect(calls[1]!.rejected).toBe(true);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(30); // backoff [d/2, d)
    const logged = JSON.stringify(h.logs);
    for (const token of served) expect(logged).not.toContain(token);
  });

  it('a provider that throws or returns garbage is retried with backoff; the client is not failed', async () => {
    let calls = 0;
    const h = await harness({
      backoffInitial: 40,
      backoffMax: 40,
      tokenProvider: async () => {
        calls++;
        if (calls === 1) throw new Error('cache down');
        if (calls === 2) return { accessToken: '', expiresAt: 0 } as ProvidedToken;
        if (calls === 3) return { accessToken: 'expired-token', expiresAt: Date.now() - 1 };
        throw new Error('still down');
      },
    });
    void h.client.start().catch(() => {});
    const started = Date.now();
    await h.until(() => calls >= 4, 3_000, 'four provider calls');
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 20);
    expect(h.client.state).not.toBe('failed');
    expect(h.logs.some((line) => line.message.includes('tokenProvider failed: cache down'))).toBe(true);
  });
});

describe('drain on stop', () => {
  const harness = useHarness();

  it('waits for a running async handler, then resolves with nothing unfinished', async () => {
    const h = await harness();
    let finished = false;
    h.client.on('*', async () => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      finished = true;
    });
    await h.client.start();
    h.sim.play([sampleEvent(1)]);
    await h.until(() => h.events.length === 1);
    const result = await h.client.stop({ drainTimeout: 2_000 });
    expect(finished).toBe(true);
    expect(result.unfinishedHandlers).toEqual([]);
  });

  it('reports and logs a handler that outlived the drain timeout; the socket was closed with 1000 first', async () => {
    const h = await harness();
    h.client.on('meeting.participant_joined', () => new Promise<void>(() => {}));
    await h.client.start();
    const closes: { code: number }[] = [];
    h.sim.on('close', (info) => closes.push(info));
    h.sim.play([sampleEvent(1)]);
    await h.until(() => h.events.length === 1);
    const started = Date.now();
    const result = await h.client.stop({ drainTimeout: 100 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(closes[0]?.code).toBe(1000);
    expect(result.unfinishedHandlers).toEqual([{ event: 'meeting.participant_joined', runningMs: expect.any(Number) }]);
    expect(h.logs.some((line) => line.level === 'warn' && line.message.includes('was still running'))).toBe(true);
  });
});

describe('maxEventSilence watchdog', () => {
  const harness = useHarness();

  it('raises a stale notice while open and silent (heartbeats answered), counted, without reconnecting by default', async () => {
    const h = await harness({ maxEventSilence: 120 });
    const notices: number[] = [];
    h.client.onStale((notice) => void notices.push(notice.silentForMs));
    await h.client.start();
    await h.until(() => notices.length >= 1, 2_000, 'a stale notice');
    expect(notices[0]).toBeGreaterThanOrEqual(120);
    expect(h.client.stats.staleNotices).toBe(notices.length);
    expect(h.client.state).toBe('open');
    expect(h.sim.stats.connections).toBe(1);
  });

  it('events keep it quiet; with reconnectOnSilence a silent connection is replaced', async () => {
    const h = await harness({ maxEventSilence: 150, reconnectOnSilence: true });
    await h.client.start();
    const feeding = setInterval(() => h.sim.play([sampleEvent(Date.now())]), 30);
    await new Promise((resolve) => setTimeout(resolve, 400));
    clearInterval(feeding);
    expect(h.client.stats.staleNotices).toBe(0);
    await h.until(() => h.sim.stats.connections >= 2 && h.client.state === 'open', 3_000, 'a reconnect after silence');
    expect(h.client.stats.staleNotices).toBeGreaterThanOrEqual(1);
    expect(h.outages.some((outage) => outage.detail.includes('stale'))).toBe(true);
  });
});

describe('health()', () => {
  const harness = useHarness();

  it('is live and not ready before start, ready when open, reports an outage in progress, and is not live once failed', async () => {
    const h = await harness({ maxAttempts: 2, backoffInitial: 20, backoffMax: 20 });
    expect(h.client.health()).toMatchObject({ live: true, ready: false, state: 'idle' });
    await h.client.start();
    const open = h.client.health();
    expect(open).toMatchObject({ live: true, ready: true, state: 'open', openOutageSince: undefined });
    expect(open.lastFrameAt).toBeGreaterThan(0);
    h.sim.faults.rejectUpgrades(100, 503);
    h.sim.faults.drop();
    await h.reach('backoff');
    expect(h.client.health()).toMatchObject({ ready: false, live: true });
    expect(h.client.health().openOutageSince).toBeLessThanOrEqual(Date.now());
    await h.reach('failed');
    expect(h.client.health()).toMatchObject({ live: false, ready: false, state: 'failed' });
  });
});
