import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZoomWsCluster } from '../../src/cluster/index.js';
import { createZoomSimulator, type ZoomSimulator } from '../../src/simulator/index.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { fetchSimulatorToken } from '../support/simulator-token.js';
import { eventually } from '../support/wait.js';

const TIMINGS = { leaseTtl: 2_000, renewInterval: 400, renewDeadline: 1_300, acquireInterval: 200, redisCommandTimeout: 300 };
const FAST = { heartbeatInterval: 200, heartbeatTimeout: 600, backoffInitial: 20, backoffMax: 100, connectTimeout: 1_000, tokenTimeout: 1_000, closeTimeout: 300 };

describe('ZoomWsCluster with the client options', () => {
  let redis: RedisServer;
  let sim: ZoomSimulator;
  beforeAll(async () => {
    redis = await startRedisServer();
    sim = await createZoomSimulator();
  });
  afterAll(async () => {
    await sim.stop();
    await redis.stop();
  });

  it('asks a tokenProvider only on the leader, dials with its token and scrubs it from the logs', async () => {
    const served: string[] = [];
    const callsBy = new Map<string, number>();
    const logs: string[] = [];
    const logger = { debug: (m: string) => logs.push(m), info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
    const provider = (replicaId: string) => async () => {
      callsBy.set(replicaId, (callsBy.get(replicaId) ?? 0) + 1);
      const token = await fetchSimulatorToken(sim);
      served.push(token.accessToken);
      return token;
    };
    const replicas = ['r1', 'r2', 'r3'].map((replicaId) => new ZoomWsCluster({
      ...sim.credentials, oauthUrl: sim.oauthUrl, wsUrl: sim.wsUrl, ...FAST, ...TIMINGS,
      redis: redis.url, replicaId, keyPrefix: 'provider-test', tokenProvider: provider(replicaId), logger,
    }));
    const tokenRequestsBefore = sim.stats.tokenRequests;
    try {
      await Promise.all(replicas.map((replica) => replica.start()));
      await eventually(() => (replicas.filter((r) => r.role === 'leading').length === 1 && replicas.some((r) => r.connectionState === 'open') ? undefined : JSON.stringify(replicas.map((r) => [r.role, r.connectionState]))), 'one live leader', 8_000);
      // Standbys keep polling the lease for a while: none of them may ask for a token meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 5 * TIMINGS.acquireInterval));
      const leader = replicas.find((r) => r.role === 'leading')!;
      expect([...callsBy.keys()]).toEqual([leader.replicaId]);
      expect(callsBy.get(leader.replicaId)).toBe(1);
      // Only the provider fetched from the token endpoint: zoom-ws' own fetch never ran.
      expect(sim.stats.tokenRequests - tokenRequestsBefore).toBe(served.length);
      expect(served).toHaveLength(1);
      // Probes: every replica is ready (standbys wait with Redis reachable); only the leader says it leads.
      const health = replicas.map((replica) => replica.health());
      expect(health.map((h) => [h.live, h.ready])).toEqual([[true, true], [true, true], [true, true]]);
      expect(health.filter((h) => h.leader).map((h) => h.connectionState)).toEqual(['open']);
      // The stream publish round trip is measured (the metrics' publish latency), unknown before the first.
      expect(leader.stats.lastPublishLatencyMs).toBeUndefined();
      sim.emit({ event: 'meeting.started', payload: { account_id: 'sim-account', object: { id: 'm-1' } } });
      await eventually(() => (leader.stats.published === 1 ? undefined : `published ${leader.stats.published}`), 'the event published', 3_000);
      expect(leader.stats.lastPublishLatencyMs).toBeGreaterThan(0);
      expect(leader.stats.lastPublishLatencyMs).toBeLessThan(TIMINGS.redisCommandTimeout);
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
    }
    expect(replicas.map((replica) => replica.health().ready)).toEqual([false, false, false]);
    const text = logs.join('\n');
    expect(text.length).toBeGreaterThan(0);
    for (const token of served) expect(text).not.toContain(token);
  });
});

describe('ZoomWsCluster with a tokenProvider whose token Zoom refuses', () => {
  it('asks the provider again with rejected:true (as the single-process client does), and reconnects', async () => {
    const redis = await startRedisServer();
    const sim = await createZoomSimulator();
    const calls: boolean[] = [];
    const replica = new ZoomWsCluster({
      ...sim.credentials, oauthUrl: sim.oauthUrl, wsUrl: sim.wsUrl, ...FAST, ...TIMINGS, redis: redis.url, replicaId: 'r1',
      tokenProvider: async ({ rejected }) => {
        calls.push(rejected);
        return fetchSimulatorToken(sim);
      },
    });
    try {
      await replica.start();
      await eventually(() => (replica.connectionState === 'open' ? undefined : replica.connectionState), 'live', 8_000);
      expect(calls).toEqual([false]);
      sim.faults.revokeTokens();
      sim.faults.drop();
      await eventually(() => (calls.length >= 2 && replica.connectionState === 'open' ? undefined : `${JSON.stringify(calls)} ${replica.connectionState}`), 'asked again and live', 8_000);
      expect(calls[1]).toBe(true);
      expect(replica.role).toBe('leading');
    } finally {
      await replica.stop();
      await sim.stop();
      await redis.stop();
    }
  });
});

describe('ZoomWsCluster.health() without Redis', () => {
  it('is live but not ready while Redis does not answer, and never dials Zoom', async () => {
    const sim = await createZoomSimulator();
    const replica = new ZoomWsCluster({ ...sim.credentials, oauthUrl: sim.oauthUrl, wsUrl: sim.wsUrl, ...FAST, ...TIMINGS, redis: 'redis://127.0.0.1:1', replicaId: 'lonely' });
    try {
      await replica.start();
      await eventually(() => (replica.health().redisReachable ? 'Redis still counted reachable' : undefined), 'Redis seen unreachable', 5_000);
      expect(replica.health()).toMatchObject({ live: true, ready: false, leader: false, role: 'standby' });
      expect(sim.stats.tokenRequests).toBe(0);
    } finally {
      await replica.stop();
      await sim.stop();
    }
  });
});
