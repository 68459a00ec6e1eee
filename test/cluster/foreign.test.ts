import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZoomWsClient } from '../../src/client/client.js';
import { createZoomSimulator } from '../../src/simulator/index.js';
import type { ZoomSimulator } from '../../src/simulator/types.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { killAll, readStreams, startRelay, waitForOneLeader, type Relay } from '../support/relays.js';

let redis: RedisServer;
let sim: ZoomSimulator;
let relays: Relay[] = [];
let foreign: ZoomWsClient | undefined;

beforeEach(async () => {
  redis = await startRedisServer();
  sim = await createZoomSimulator();
  relays = [];
});

afterEach(async () => {
  await foreign?.stop();
  await killAll(relays);
  await sim.stop();
  await redis.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a foreign consumer on the same subscription', () => {
  it('10. the leader does not fight in a loop (at most 2 retakes per 5 minutes), reports it, and standbys never connect', async () => {
    relays = ['r1', 'r2'].map((id) => startRelay(id, { ...sim.env, ZOOM_WS_REDIS_URL: redis.url }));
    const leader = await waitForOneLeader(relays);
    await leader.waitFor(/zoom connecting → open/, 'the leader live');
    const standby = relays.find((relay) => relay !== leader)!;
    const leaseBefore = (await readStreams(redis.url, sim.credentials.subscriptionId)).lease;
    // A plain single-process client that comes straight back after each displacement.
    foreign = new ZoomWsClient({ ...sim.credentials, oauthUrl: sim.oauthUrl, wsUrl: sim.wsUrl, displacedDelay: 150 });
    void foreign.start().catch(() => {});
    await leader.waitFor(/Another consumer uses this subscription/, 'the foreign consumer reported', 8_000);
    await sleep(3_000);
    const stderr = leader.stderr();
    expect(stderr.match(/retaking in/g)?.length).toBe(2);
    expect(stderr.match(/Another consumer uses this subscription/g)?.length).toBe(1);
    // Backing off displacedDelay (60 s): the leader has not dialled again since it reported the other consumer.
    expect(stderr.slice(stderr.indexOf('Another consumer')).match(/zoom idle → connecting/g) ?? []).toEqual([]);
    expect(foreign.state).toBe('open');
    expect(standby.stderr()).not.toMatch(/zoom |leading/);
    expect(leader.isLeader()).toBe(true);
    expect((await readStreams(redis.url, sim.credentials.subscriptionId)).lease).toBe(leaseBefore);
  });
});
