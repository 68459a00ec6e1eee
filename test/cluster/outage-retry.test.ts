/**
 * An outage Redis did not take is retried until it does: the gap is often the very one whose events were lost,
 * so it must not vanish from the outages stream because one write failed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { subscriptionKeys } from '../../src/cluster/keys.js';
import { createZoomSimulator } from '../../src/simulator/index.js';
import type { ZoomSimulator } from '../../src/simulator/types.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { killAll, readStreams, startRelay, waitForOneLeader, type Relay } from '../support/relays.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { eventually, eventuallyValue } from '../support/wait.js';

let redis: RedisServer;
let sim: ZoomSimulator;
let proxy: TcpProxy | undefined;
let relays: Relay[] = [];

beforeEach(async () => {
  redis = await startRedisServer();
  sim = await createZoomSimulator();
  relays = [];
});

afterEach(async () => {
  await killAll(relays);
  await proxy?.stop();
  await sim.stop();
  await redis.stop();
});

describe('storing an outage', () => {
  it('the write that records a reconnect outage is lost on the way to Redis: retried, stored exactly once', async () => {
    const outagesKey = subscriptionKeys('zoomws', sim.credentials.subscriptionId).outages;
    let armed = false;
    let cutWrites = 0;
    // Every byte of the first command that names the outages stream dies with its connection, before Redis sees it.
    proxy = await startTcpProxy(redis.port, 'redis', {
      onClientData: (chunk) => {
        if (!armed || !chunk.includes(outagesKey)) return;
        armed = false;
        cutWrites++;
        proxy!.cut();
      },
    });
    const relay = startRelay('r1', { ...sim.env, ZOOM_WS_REDIS_URL: proxy.url }, ['--backoff-initial', '50']);
    relays = [relay];
    await waitForOneLeader(relays);
    await relay.waitFor(/zoom connecting → open/, 'the leader live');
    armed = true;
    const droppedAt = Date.now();
    sim.faults.drop();
    await relay.waitFor(/Could not store the outage/, 'the first write failing');
    const stored = await eventuallyValue(async () => {
      const { outages } = await readStreams(redis.url, sim.credentials.subscriptionId);
      return outages.length > 0 ? outages : undefined;
    }, 'the outage in the stream', 5_000);
    expect(cutWrites).toBe(1);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.fields.reason).not.toBe('');
    expect(Number(stored[0]!.fields.from)).toBeGreaterThanOrEqual(droppedAt - 1_000);
    expect(Number(stored[0]!.fields.from)).toBeLessThanOrEqual(droppedAt + 50);
    // Still one entry a while later: the retry does not repeat a stored outage.
    await eventually(() => (relay.isLeader() ? undefined : 'not leading'), 'still the leader');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await readStreams(redis.url, sim.credentials.subscriptionId)).outages).toHaveLength(1);
  });
});
