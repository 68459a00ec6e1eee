import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { ZoomWsClient } from '../../src/index.js';
import { createHarness, delay, FAST_TIMINGS, type Harness } from '../support/harness.js';

describe('heartbeat (behaviour 3)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('sends exactly {"module":"heartbeat"} every heartbeatInterval, and never answers server replies', async () => {
    // A raw Zoom-like server so that we see the exact bytes and can answer each heartbeat twice.
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    const received: string[] = [];
    server.on('connection', (socket: WebSocket) => {
      socket.send(JSON.stringify({ module: 'build_connection', success: true, content: 'ok', header: {} }));
      socket.on('message', (data) => {
        received.push(data.toString());
        const reply = JSON.stringify({ module: 'heartbeat', success: true, content: 'live', header: {} });
        socket.send(reply);
        socket.send(reply);
      });
    });
    h = await createHarness();
    const port = (server.address() as { port: number }).port;
    const client = new ZoomWsClient({ ...h.sim.credentials, oauthUrl: h.sim.oauthUrl, wsUrl: `ws://127.0.0.1:${port}/ws`, ...FAST_TIMINGS, heartbeatInterval: 50 });
    try {
      await client.start();
      await delay(540);
      expect(received.length).toBeGreaterThanOrEqual(8);
      expect(received.length).toBeLessThanOrEqual(11);
      expect(new Set(received)).toEqual(new Set(['{"module":"heartbeat"}']));
      expect(client.stats.lastHeartbeatRttMs).toBeGreaterThanOrEqual(0);
      expect(client.state).toBe('open');
    } finally {
      await client.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a stalled connection (no frame after a heartbeat) is terminated within interval + timeout and reconnected', async () => {
    h = await createHarness({ heartbeatInterval: 50, heartbeatTimeout: 100 });
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
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    const timers: NodeJS.Timeout[] = [];
    server.on('connection', (socket: WebSocket) => {
      socket.send(JSON.stringify({ module: 'build_connection', success: true, content: 'ok', header: {} }));
      let n = 0;
      const content = () => JSON.stringify({ event: 'meeting.updated', event_ts: n, payload: { object: { id: n++ } } });
      timers.push(setInterval(() => socket.send(JSON.stringify({ module: 'message', success: true, content: content(), header: {} })), 10));
    });
    h = await createHarness();
    const port = (server.address() as { port: number }).port;
    const client = new ZoomWsClient({ ...h.sim.credentials, oauthUrl: h.sim.oauthUrl, wsUrl: `ws://127.0.0.1:${port}/ws`, ...FAST_TIMINGS, heartbeatInterval: 30, heartbeatTimeout: 60 });
    const states: string[] = [];
    client.onStateChange(({ to }) => states.push(to));
    try {
      await client.start();
      await delay(400);
      expect(client.state).toBe('open');
      expect(states).not.toContain('backoff');
      expect(client.stats.events).toBeGreaterThan(20);
      expect(client.stats.lastHeartbeatRttMs).toBeUndefined();
    } finally {
      timers.forEach(clearInterval);
      await client.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
