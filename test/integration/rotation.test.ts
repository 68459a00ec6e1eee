import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ZoomEvent } from '../../src/index.js';
import type { DisplacementStyle } from '../../src/simulator/index.js';
import { delay, sampleEvent, useHarness } from '../support/harness.js';
import { useRawZoomServer, zoomFrame } from '../support/raw-zoom-server.js';

/** Token lifetime 0.6 s, margin 0.4 s: a refresh every ~0.3 s (never before half the token's life). */
const ROTATING = { refreshMargin: 400 };
const SHORT_TOKENS = { tokenTtlSeconds: 0.6 };

function seqOf(event: ZoomEvent): number {
  return (event.payload.object as { seq: number }).seq;
}

describe('token refresh without a gap (behaviour 6)', () => {
  const harness = useHarness();
  const rawServer = useRawZoomServer();

  it.each<DisplacementStyle>(['close-reason', 'frame', 'both'])(
    'rotates make-before-break while a 2 ms event stream flows: nothing lost, nothing twice, never leaves open (displacement as %s)',
    async (displacementStyle) => {
      const h = await harness(ROTATING, { ...SHORT_TOKENS, displacementStyle });
      await h.client.start();
      let sent = 0;
      let reachedNobody = 0;
      const timer = setInterval(() => {
        if (h.sim.emit(sampleEvent(sent++)) === 0) reachedNobody++;
      }, 2);
      await h.until(() => h.client.stats.rotations >= 3, 5_000, '3 rotations');
      clearInterval(timer);
      await h.until(() => h.events.length + reachedNobody >= sent, 2_000, 'delivery');
      expect(reachedNobody).toBe(0);
      expect(h.events.map(seqOf)).toEqual([...Array(sent).keys()]);
      expect(h.states).toEqual(['idle', 'authenticating', 'connecting', 'open']);
      expect(h.outages).toEqual([]);
      expect(h.sim.stats.tokenRequests).toBeGreaterThanOrEqual(4);
      expect(h.sim.liveConnectionCount()).toBe(1);
    },
  );

  it('delivers once what both sockets carry around a rotation (server resends recent events)', async () => {
    // A server that does not displace, sends every event to every open socket, and resends the last 5
    // events to each new socket: the same events arrive on both sockets, in both orders.
    const recent: string[] = [];
    const raw = await rawServer((socket) => {
      for (const frame of recent.slice(-5)) socket.send(frame);
      socket.on('message', () => socket.send(zoomFrame('heartbeat', 'live')));
    });
    let sent = 0;
    raw.every(2, () => {
      const frame = zoomFrame('message', JSON.stringify(sampleEvent(sent++)));
      recent.push(frame);
      for (const socket of raw.server.clients) if (socket.readyState === WebSocket.OPEN) socket.send(frame);
    });
    const h = await harness({ wsUrl: raw.wsUrl, ...ROTATING }, SHORT_TOKENS);
    await h.client.start();
    const firstSeq = sent;
    await h.until(() => h.client.stats.rotations >= 3, 5_000, '3 rotations');
    const lastSeq = sent - 1;
    await h.until(() => h.events.some((event) => seqOf(event) === lastSeq), 1_000, 'the last event');
    const seen = h.events.map(seqOf);
    const window = seen.filter((seq) => seq >= firstSeq && seq <= lastSeq);
    expect(window).toEqual([...Array(lastSeq - firstSeq + 1).keys()].map((i) => i + firstSeq));
    expect(h.client.stats.duplicates).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('keeps the old socket when the refresh fails, and rotates once the token endpoint recovers', async () => {
    const h = await harness({ ...ROTATING, backoffInitial: 40, backoffMax: 40 }, { tokenTtlSeconds: 1.2 });
    await h.client.start();
    h.sim.faults.failTokenRequests(3, { status: 503 });
    await h.until(() => h.client.stats.rotations >= 1, 5_000, 'rotation after failures');
    expect(h.logs.filter((line) => /Token refresh attempt \d failed/.test(line.message))).toHaveLength(3);
    expect(h.states).toEqual(['idle', 'authenticating', 'connecting', 'open']);
    expect(h.sim.stats.connections).toBe(2);
  });

  it('keeps the old socket when the new one is refused', async () => {
    const h = await harness({ ...ROTATING, backoffInitial: 40, backoffMax: 40 }, { tokenTtlSeconds: 1.2 });
    await h.client.start();
    h.sim.faults.refuseConnections(1, 'Invalid Token');
    await h.until(() => h.client.stats.rotations >= 1, 5_000, 'rotation after a refusal');
    expect(h.sim.stats.connectionsRefused).toBe(1);
    expect(h.states).toEqual(['idle', 'authenticating', 'connecting', 'open']);
  });

  it('reports the gap when the old socket died just before the handover and the client heard of the new one first', async () => {
    // Zoom stops serving socket 1 (it died), events reach nobody for 20 ms, then socket 2 goes live. The client
    // learns that socket 1 is gone only after it promoted socket 2: nothing told the machine, so the client
    // itself must report the window in which events were lost.
    let live: WebSocket | undefined;
    let old: WebSocket | undefined;
    const lostAt: number[] = [];
    let sent = 0;
    const raw = await rawServer(
      (socket, index) => {
        socket.on('message', () => {
          if (socket === live) socket.send(zoomFrame('heartbeat', 'live'));
        });
        if (index === 1) live = socket;
        if (index !== 2) return;
        old = live;
        old?.pause(); // socket 1 is dead: it will not even answer our close
        live = undefined;
        raw.after(20, () => {
          live = socket;
          socket.send(zoomFrame('build_connection', 'ok'));
        });
      },
      { holdBuildConnection: (index) => index === 2 },
    );
    raw.every(2, () => {
      const frame = zoomFrame('message', JSON.stringify(sampleEvent(sent++)));
      if (live?.readyState === WebSocket.OPEN) live.send(frame);
      else if (old) lostAt.push(Date.now()); // after socket 1 died (before the client connected is not a loss)
    });
    const h = await harness({ wsUrl: raw.wsUrl, ...ROTATING }, SHORT_TOKENS);
    await h.client.start();
    await h.until(() => h.client.stats.rotations === 1, 5_000, 'the rotation');
    old?.terminate(); // now the client hears that socket 1's connection is gone
    await h.until(() => h.outages.length === 1, 2_000, 'the outage of the handover');
    const [outage] = h.outages;
    expect(outage).toMatchObject({ reason: 'closed', endedBy: 'reconnected' });
    expect(outage!.detail).toMatch(/replaced socket was closed with code 1006 during the handover/);
    expect(lostAt.length).toBeGreaterThan(0);
    expect(outage!.from).toBeLessThanOrEqual(lostAt[0]!);
    expect(outage!.to).toBeGreaterThanOrEqual(lostAt.at(-1)!);
    expect(h.states).toEqual(['idle', 'authenticating', 'connecting', 'open']);
  });

  it('a clean handover reports no outage, however the old socket was closed', async () => {
    const h = await harness(ROTATING, SHORT_TOKENS);
    await h.client.start();
    await h.until(() => h.client.stats.rotations >= 3, 5_000, '3 rotations');
    await delay(100); // the replaced sockets' closes are in
    expect(h.outages).toEqual([]);
  });
});
