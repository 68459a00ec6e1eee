import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/index.js';
import { delay, useHarness } from '../support/harness.js';
import { useRawZoomServer, zoomFrame } from '../support/raw-zoom-server.js';

describe('heartbeat (behaviour 3)', () => {
  const harness = useHarness();
  const rawServer = useRawZoomServer();

  it('sends exactly {"module":"heartbeat"} every heartbeatInterval, and never answers server replies', async () => {
    // A raw server, to see the exact bytes and to answer each heartbeat twice.
    const received: string[] = [];
    const receivedAt: number[] = [];
    const raw = await rawServer((socket) => {
      socket.on('message', (data) => {
        received.push(data.toString());
        receivedAt.push(performance.now());
        socket.send(zoomFrame('heartbeat', 'live'));
        socket.send(zoomFrame('heartbeat', 'live'));
      });
    });
    const h = await harness({ wsUrl: raw.wsUrl, heartbeatInterval: 50 });
    const startedAt = performance.now();
    await h.client.start();
    await h.until(() => received.length >= 8, 5_000, '8 heartbeats');
    await delay(30); // room for a wrong answer to the last two replies to show up
    expect(new Set(received)).toEqual(new Set(['{"module":"heartbeat"}']));
    // At most one frame per interval: answering the doubled replies would multiply the frames.
    expect(received.length).toBeLessThanOrEqual(Math.floor((performance.now() - startedAt) / 50) + 1);
    const gaps = receivedAt.slice(1).map((at, index) => at - receivedAt[index]!);
    expect(gaps.sort((a, b) => a - b)[gaps.length >> 1]).toBeLessThan(100);
    expect(h.client.stats.lastHeartbeatRttMs).toBeGreaterThanOrEqual(0);
    expect(h.client.state).toBe('open');
  });

  it('sends the first heartbeat right after build_connection succeeds, not one interval later (default 20 s interval)', async () => {
    expect(DEFAULTS.heartbeatInterval).toBe(20_000);
    const h = await harness({ heartbeatInterval: DEFAULTS.heartbeatInterval, heartbeatTimeout: DEFAULTS.heartbeatTimeout });
    // The simulator's hooks run when it has written build_connection success and when a heartbeat frame arrives.
    const accepted = new Map<number, number>();
    const firstHeartbeat = new Map<number, number>();
    h.sim.on('connection', ({ id }) => accepted.set(id, performance.now()));
    h.sim.on('heartbeat', ({ id, outcome }) => {
      expect(outcome).toBe('replied');
      if (!firstHeartbeat.has(id)) firstHeartbeat.set(id, performance.now());
    });
    await h.client.start();
    await h.until(() => firstHeartbeat.has(1), 2_000, 'the first heartbeat');
    const afterBuildConnection = firstHeartbeat.get(1)! - accepted.get(1)!;
    // A few ms on loopback; the bound leaves room for a busy 2-core machine and is 1/40 of the interval.
    expect(afterBuildConnection, `first heartbeat ${afterBuildConnection.toFixed(2)} ms after build_connection`).toBeLessThan(500);
    await h.until(() => h.client.stats.lastHeartbeatRttMs !== undefined, 2_000, 'the reply to the first heartbeat');

    // A reconnect opens again: its socket gets its own first heartbeat at once as well.
    h.sim.faults.drop();
    await h.until(() => firstHeartbeat.has(2), 2_000, 'the first heartbeat of the new socket');
    expect(firstHeartbeat.get(2)! - accepted.get(2)!).toBeLessThan(500);
    // One heartbeat per socket so far: the next is due an interval later.
    expect(h.sim.connections().map((connection) => connection.heartbeats)).toEqual([1, 1]);
    expect(h.client.state).toBe('open');
  });

  it('a stalled connection (no frame after a heartbeat) is terminated within interval + timeout and reconnected', async () => {
    const h = await harness({ heartbeatInterval: 50, heartbeatTimeout: 100 });
    await h.client.start();
    const closed: number[] = [];
    h.sim.on('close', ({ id }) => closed.push(id));
    const stalledAt = Date.now();
    h.sim.faults.stall();
    await h.reach('backoff');
    const detectedAfter = Date.now() - stalledAt;
    expect(detectedAfter).toBeLessThanOrEqual(50 + 100 + 40);
    expect(h.logs.some((line) => /after dead/.test(line.message))).toBe(true);
    h.sim.faults.resume();
    await h.reach('open');
    await h.until(() => closed.includes(1), 1_000, 'old socket closed');
    expect(h.sim.liveConnectionCount()).toBe(1);
  });

  it('any frame counts as proof of life: events without heartbeat replies keep the connection open', async () => {
    let n = 0;
    const raw = await rawServer(() => {});
    raw.every(10, () => {
      const content = JSON.stringify({ event: 'meeting.updated', event_ts: n, payload: { object: { id: n++ } } });
      for (const socket of raw.server.clients) socket.send(zoomFrame('message', content));
    });
    const h = await harness({ wsUrl: raw.wsUrl, heartbeatInterval: 30, heartbeatTimeout: 60 });
    await h.client.start();
    await delay(400);
    expect(h.client.state).toBe('open');
    expect(h.states).not.toContain('backoff');
    expect(h.client.stats.events).toBeGreaterThan(20);
    expect(h.client.stats.lastHeartbeatRttMs).toBeUndefined();
  });
});
