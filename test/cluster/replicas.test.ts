import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { ZoomWsCluster } from '../../src/cluster/cluster.js';
import { createZoomSimulator } from '../../src/simulator/index.js';
import type { ZoomSimulator } from '../../src/simulator/types.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { killAll, readStreams, SCALED, startRelay, waitForOneLeader, type Relay } from '../support/relays.js';
import { clientLeaks, eventually, eventuallyValue, handleBaseline } from '../support/wait.js';

let redis: RedisServer;
let sim: ZoomSimulator;
let relays: Relay[] = [];
let env: Record<string, string>;

beforeEach(async () => {
  redis = await startRedisServer();
  sim = await createZoomSimulator();
  env = { ...sim.env, ZOOM_WS_REDIS_URL: redis.url };
  relays = [];
});

afterEach(async () => {
  await killAll(relays);
  await sim.stop();
  await redis.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seqOf = (event: string) => (JSON.parse(event) as { payload: { seq: number } }).payload.seq;

describe('replicas (real child processes, real redis-server)', () => {
  it('1. three replicas start together: one holds the Zoom connection, 0 displacements, only the leader fetched a token', async () => {
    relays = ['r1', 'r2', 'r3'].map((id) => startRelay(id, env));
    const leader = await waitForOneLeader(relays);
    await leader.waitFor(/zoom connecting → open/, 'the leader live');
    // Let the standbys try to acquire several times.
    await sleep(SCALED.acquireInterval * 5);
    expect(relays.filter((relay) => relay.isLeader())).toEqual([leader]);
    expect(sim.liveConnectionCount()).toBe(1);
    expect(sim.stats.connections).toBe(1);
    expect(sim.stats.displaced).toBe(0);
    expect(sim.stats.tokenRequests).toBe(1);
    for (const standby of relays.filter((relay) => relay !== leader)) expect(standby.stderr()).not.toMatch(/zoom \w+ →|socket-\d+: connecting to/); // a dial's own lines, not "not connecting to Zoom"
    const { lease } = await readStreams(redis.url, sim.credentials.subscriptionId);
    expect(lease).toMatch(new RegExp(`^${leader.id}\\|\\d+$`));
  });

  it('2. 500 events while a leader is live: each in the stream exactly once, in order, and on its stdout', async () => {
    relays = ['r1', 'r2'].map((id) => startRelay(id, env));
    const leader = await waitForOneLeader(relays);
    await leader.waitFor(/zoom connecting → open/, 'the leader live');
    for (let seq = 0; seq < 500; seq++) {
      expect(sim.emit({ event: 'meeting.participant_joined', payload: { account_id: 'sim-account', seq } })).toBe(1);
      if (seq % 50 === 49) await sleep(5);
    }
    await eventually(() => (leader.stdoutLines().length === 500 ? undefined : `${leader.stdoutLines().length} lines`), 'all 500 published', 10_000);
    const { events } = await readStreams(redis.url, sim.credentials.subscriptionId);
    expect(events.map((entry) => seqOf(entry.fields.event!))).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(new Set(events.map((entry) => entry.fields.key)).size).toBe(500);
    expect(events.every((entry) => entry.fields.replica === leader.id && /^\d+$/.test(entry.fields.token!))).toBe(true);
    expect(leader.stdoutLines().map(seqOf)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    for (const standby of relays.filter((relay) => relay !== leader)) expect(standby.stdoutLines()).toEqual([]);
  });

  it('8. SIGTERM on the leader: it exits 0 after closing with 1000; a standby is live within one round trip + connect; the gap is recorded', async () => {
    relays = ['r1', 'r2'].map((id) => startRelay(id, env));
    const leader = await waitForOneLeader(relays);
    await leader.waitFor(/zoom connecting → open/, 'the leader live');
    const standby = relays.find((relay) => relay !== leader)!;
    const closes: { code: number }[] = [];
    sim.on('close', (info) => closes.push(info));
    const sentAt = performance.now();
    leader.kill('SIGTERM');
    const liveAt = await standby.waitFor(/zoom connecting → open/, 'the standby live');
    const handoverMs = liveAt - sentAt;
    expect(await leader.exit).toEqual({ code: 0, signal: null });
    expect(closes[0]?.code).toBe(1000);
    expect(sim.stats.displaced).toBe(0);
    // Woken by the release: well inside one acquire interval plus a token request and a connect on loopback.
    expect(handoverMs).toBeLessThan(SCALED.acquireInterval + 1_000);
    const { outages } = await eventuallyValue(async () => {
      const streams = await readStreams(redis.url, sim.credentials.subscriptionId);
      return streams.outages.length > 0 ? streams : undefined;
    }, 'an outage in the stream');
    expect(outages).toHaveLength(1);
    expect(outages[0]!.fields).toMatchObject({ reason: 'handover', previousHolder: leader.id, replica: standby.id });
    const gap = Number(outages[0]!.fields.to) - Number(outages[0]!.fields.from);
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(handoverMs + 100);
    console.log(`handover after SIGTERM: live again ${handoverMs.toFixed(0)} ms after the signal; recorded gap ${gap} ms`);
  });

  it('9. a token rotation while leading: no lease effect, not counted as foreign, 0 duplicates in the stream', async () => {
    // Tokens live 3 s; with a 1 s margin a refresh (make-before-break rotation) is due every ~2 s.
    await sim.stop();
    sim = await createZoomSimulator({ tokenTtlSeconds: 3 });
    env = { ...sim.env, ZOOM_WS_REDIS_URL: redis.url };
    relays = ['r1', 'r2'].map((id) => startRelay(id, env, ['--refresh-margin', '1000']));
    const leader = await waitForOneLeader(relays);
    await leader.waitFor(/zoom connecting → open/, 'the leader live');
    const leaseBefore = (await readStreams(redis.url, sim.credentials.subscriptionId)).lease;
    let seq = 0;
    const started = performance.now();
    while (performance.now() - started < 5_000) {
      sim.emit({ event: 'meeting.started', payload: { account_id: 'sim-account', seq: seq++ } });
      await sleep(10);
    }
    await eventually(() => (sim.stats.tokenRequests >= 3 ? undefined : `${sim.stats.tokenRequests} token requests`), 'two rotations', 5_000);
    await sleep(300);
    const { events, lease } = await readStreams(redis.url, sim.credentials.subscriptionId);
    expect(lease).toBe(leaseBefore);
    expect(leader.stderr().match(/Token refreshed/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(leader.stderr()).not.toMatch(/Displaced while holding|Another consumer|Stepped down/);
    const seqs = events.map((entry) => seqOf(entry.fields.event!));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(relays.filter((relay) => relay.isLeader())).toEqual([leader]);
  });

  it('the leader’s own reconnect (Zoom dropped the socket) keeps the lease, re-checks it before the dial, and records the outage', async () => {
    relays = ['r1', 'r2'].map((id) => startRelay(id, env, ['--backoff-initial', '100', '--backoff-max', '200']));
    const leader = await waitForOneLeader(relays);
    await leader.waitFor(/zoom connecting → open/, 'the leader live');
    const leaseBefore = (await readStreams(redis.url, sim.credentials.subscriptionId)).lease;
    sim.faults.drop();
    await eventually(() => (sim.stats.connections === 2 ? undefined : `${sim.stats.connections} connections`), 'the leader reconnected', 5_000);
    const { outages, lease } = await eventuallyValue(async () => {
      const streams = await readStreams(redis.url, sim.credentials.subscriptionId);
      return streams.outages.length > 0 ? streams : undefined;
    }, 'an outage in the stream');
    expect(lease).toBe(leaseBefore);
    expect(outages).toHaveLength(1);
    expect(outages[0]!.fields).toMatchObject({ reason: 'closed', replica: leader.id });
    expect(relays.filter((relay) => relay.isLeader())).toEqual([leader]);
    expect(sim.stats.displaced).toBe(0);
  });

  it('checks the lease right before a dial: a lease taken away meanwhile means no dial and a step-down', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (message: string) => warnings.push(message), error() {} };
    const replica = new ZoomWsCluster({ ...sim.credentials, oauthUrl: sim.oauthUrl, wsUrl: sim.wsUrl, redis: redis.url, replicaId: 'solo', ...SCALED, backoffInitial: 50, backoffMax: 50, logger });
    try {
      await replica.start();
      await eventually(() => (sim.liveConnectionCount() === 1 ? undefined : 'not live'), 'live', 5_000);
      const client = createClient({ url: redis.url });
      await client.connect();
      // Right after a renew (the TTL was just reset), so that the next renew is ~renewInterval away and the
      // reconnect's check is what finds the lease gone.
      while ((await client.pTTL(replica.keys.lease)) < SCALED.leaseTtl - 30) await sleep(2);
      await client.set(replica.keys.lease, 'intruder|1', { PX: 10_000 });
      client.destroy();
      sim.faults.drop();
      await eventually(() => (replica.role === 'standby' ? undefined : replica.role), 'stepped down', 3_000);
      await sleep(300);
      expect(sim.stats.upgrades).toBe(1);
      expect(replica.stats.stepDowns['lease-lost']).toBe(1);
      expect(warnings.find((line) => line.startsWith('Stepped down'))).toMatch(/right before a dial/);
    } finally {
      await replica.stop();
    }
  });

  it('12. stop() of every replica leaves no handle behind', async () => {
    const baseline = handleBaseline();
    const replicas = ['a', 'b'].map((replicaId) => new ZoomWsCluster({
      ...sim.credentials,
      oauthUrl: sim.oauthUrl,
      wsUrl: sim.wsUrl,
      redis: redis.url,
      replicaId,
      ...SCALED,
    }));
    await Promise.all(replicas.map((replica) => replica.start()));
    await eventually(() => (replicas.filter((replica) => replica.role === 'leading').length === 1 && sim.liveConnectionCount() === 1 ? undefined : 'no leader yet'), 'a leader', 5_000);
    await Promise.all(replicas.map((replica) => replica.stop()));
    expect(replicas.map((replica) => replica.state)).toEqual(['stopped', 'stopped']);
    await eventually(() => {
      const leaks = clientLeaks(baseline, [sim.port, redis.port]);
      return leaks.length === 0 ? undefined : leaks.join(', ');
    }, 'no leaked handles', 3_000);
  });
});
