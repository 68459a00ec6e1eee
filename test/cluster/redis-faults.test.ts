import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createZoomSimulator } from '../../src/simulator/index.js';
import type { ZoomSimulator } from '../../src/simulator/types.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { killAll, readStreams, SCALED, startRelay, waitForOneLeader, type Relay } from '../support/relays.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { eventually, eventuallyValue } from '../support/wait.js';

let redis: RedisServer | undefined;
let sim: ZoomSimulator;
let relays: Relay[] = [];
let proxies: TcpProxy[] = [];
/** Live Zoom sockets of the subscription over time: never two outside a rotation. */
let live = 0;
let maxLive = 0;

beforeEach(async () => {
  sim = await createZoomSimulator();
  relays = [];
  proxies = [];
  live = 0;
  maxLive = 0;
  // A refused dial closes without ever being a connection: count only sockets that were accepted.
  const accepted = new Set<unknown>();
  sim.on('connection', (info) => {
    accepted.add(info.id);
    live++;
    maxLive = Math.max(maxLive, live);
  });
  sim.on('close', (info) => {
    if (accepted.delete(info.id)) live--;
  });
});

afterEach(async () => {
  await killAll(relays);
  await Promise.all(proxies.map((proxy) => proxy.stop()));
  await sim.stop();
  await redis?.stop();
  redis = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tokenOf = (lease: string | null) => BigInt(lease!.split('|')[1]!);

describe('Redis faults (real redis-server, real relay processes)', () => {
  it('6. leader cut off from Redis: it closes its Zoom socket before the lease can expire; the standby connects only after that; healed, the old leader is a standby', async () => {
    redis = await startRedisServer();
    proxies = [await startTcpProxy(redis.port), await startTcpProxy(redis.port)];
    relays = ['r1', 'r2'].map((id, i) => startRelay(id, { ...sim.env, ZOOM_WS_REDIS_URL: proxies[i]!.url }));
    const leader = await waitForOneLeader(relays);
    await leader.waitFor(/zoom connecting → open/, 'the leader live');
    const standby = relays.find((relay) => relay !== leader)!;
    const closedAt: number[] = [];
    sim.on('close', () => closedAt.push(performance.now()));
    const cutAt = performance.now();
    proxies[relays.indexOf(leader)]!.pause();
    const standbyLiveAt = await standby.waitFor(/zoom connecting → open/, 'the standby live', SCALED.leaseTtl + 3_000);
    expect(closedAt).toHaveLength(1);
    // Off Zoom within the renew deadline (counted from the last renew sent, which is before the cut)...
    expect(closedAt[0]! - cutAt).toBeLessThan(SCALED.renewDeadline + 300);
    // ...and before anyone else could dial.
    expect(closedAt[0]!).toBeLessThan(standbyLiveAt);
    expect(maxLive).toBe(1);
    proxies[relays.indexOf(leader)]!.resume();
    await sleep(SCALED.leaseTtl);
    expect(leader.isLeader()).toBe(false);
    expect(standby.isLeader()).toBe(true);
    expect(sim.stats.displaced).toBe(0);
    expect(sim.liveConnectionCount()).toBe(1);
    const { outages } = await readStreams(redis.url, sim.credentials.subscriptionId);
    // The successor saw Redis healthy: from its view the holder stopped renewing (a failover), dated from the
    // last sign of life the holder wrote.
    expect(outages.map((entry) => entry.fields.reason)).toEqual(['failover']);
    expect(Number(outages[0]!.fields.from)).toBeLessThanOrEqual(Date.now() - (performance.now() - cutAt));
    console.log(`partition: old leader off Zoom ${(closedAt[0]! - cutAt).toFixed(0)} ms after the cut; standby live ${(standbyLiveAt - cutAt).toFixed(0)} ms after it`);
  });

  for (const persistent of [true, false]) {
    it(`7. Redis killed and restarted ${persistent ? 'with' : 'without'} its data: the leader steps down within renewDeadline, one leader again, larger fencing tokens, every lost event inside a recorded gap`, async () => {
      redis = await startRedisServer({ persistent });
      const server = redis;
      relays = ['r1', 'r2'].map((id) => startRelay(id, { ...sim.env, ZOOM_WS_REDIS_URL: server.url }));
      const leader = await waitForOneLeader(relays);
      await leader.waitFor(/zoom connecting → open/, 'the leader live');
      sim.emit({ event: 'meeting.started', payload: { account_id: 'sim-account', seq: 0 } });
      await eventually(() => (leader.stdoutLines().length === 1 ? undefined : 'not yet published'), 'the first event stored');
      const before = await readStreams(server.url, sim.credentials.subscriptionId);
      // Zoom keeps sending through the whole fault: to the old leader until it steps down, to nobody until the
      // successor is live, then to it.
      const sentAt = new Map<number, number>();
      const traffic = setInterval(() => {
        const seq = sentAt.size + 1;
        sentAt.set(seq, Date.now());
        sim.emit({ event: 'meeting.started', payload: { account_id: 'sim-account', seq } });
      }, 25);
      try {
        const killedAt = performance.now();
        await server.kill();
        const steppedDownAt = await leader.waitFor(/Stepped down \(renew-deadline\)/, 'the leader stepping down', SCALED.renewDeadline + 2_000);
        expect(steppedDownAt - killedAt).toBeLessThan(SCALED.renewDeadline + 300);
        // The step-down closes the socket; the close handshake reaches the simulator a moment later.
        await eventually(() => (sim.liveConnectionCount() === 0 ? undefined : 'the old socket still open'), 'the old leader off Zoom', 1_000);
        await sleep(500);
        const connectionsWhileDown = sim.stats.connections;
        await server.restart();
        await eventually(() => (relays.filter((relay) => relay.isLeader()).length === 1 && sim.liveConnectionCount() === 1 ? undefined : 'no leader yet'), 'one leader again', SCALED.leaseTtl * 2 + 3_000);
        expect(sim.stats.connections).toBe(connectionsWhileDown + 1);
        expect(maxLive, `live ${live}, simulator ${JSON.stringify(sim.stats)}`).toBe(1);
        // A few events through the new leader, so that the lost ones are all behind us.
        const firstAfter = sentAt.size + 1;
        await eventuallyValue(async () => ((await seqsStored(server.url)).has(firstAfter + 3) ? true : undefined), 'events through the new leader');
      } finally {
        clearInterval(traffic);
      }
      const stored = await seqsStored(server.url);
      const lost = [...sentAt].filter(([seq]) => !stored.has(seq));
      expect(lost.length).toBeGreaterThan(0);
      // Every event that nobody stored lies inside a recorded gap. The ex-leader records its own part when Redis lost
      // what would have told the successor, so that may take one more acquire poll.
      const after = await eventuallyValue(async () => {
        const streams = await readStreams(server.url, sim.credentials.subscriptionId);
        const gaps = streams.outages.map((entry) => ({ from: Number(entry.fields.from), to: Number(entry.fields.to), reason: entry.fields.reason }));
        const uncovered = lost.filter(([, at]) => !gaps.some((gap) => gap.from <= at + ARRIVAL_SLACK && gap.to >= at));
        return uncovered.length === 0 ? { ...streams, gaps } : undefined;
      }, 'every lost event inside a recorded gap').catch(async () => {
        const streams = await readStreams(server.url, sim.credentials.subscriptionId);
        throw new Error(`lost events outside every recorded gap: sent at ${JSON.stringify(lost.map(([seq, at]) => [seq, at]))}; gaps ${JSON.stringify(streams.outages.map((entry) => entry.fields))}`);
      });
      expect(tokenOf(after.lease)).toBeGreaterThan(tokenOf(before.lease));
      expect(after.gaps.filter((gap) => gap.reason !== 'redis-unavailable' || !(gap.to > gap.from))).toEqual([]);
      // With its data Redis kept what was stored before the kill; without it, that is gone too (not ours to keep).
      expect(stored.has(0)).toBe(persistent);
    });
  }
});

/** An event reaches the relay after the simulator sent it; under load the relay's event loop may take this long. */
const ARRIVAL_SLACK = 100;

async function seqsStored(redisUrl: string): Promise<Set<number>> {
  const { events } = await readStreams(redisUrl, sim.credentials.subscriptionId);
  return new Set(events.map((entry) => (JSON.parse(entry.fields.event!) as { payload: { seq: number } }).payload.seq));
}
