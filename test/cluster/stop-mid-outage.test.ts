/**
 * A leader stopped inside an outage records it before it lets the lease go: its own reconnect is reported by the
 * connection machine only once it reconnects, and with no successor (the whole cluster stopping) nobody else would.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createZoomSimulator } from '../../src/simulator/index.js';
import type { ZoomSimulator } from '../../src/simulator/types.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { killAll, readStreams, startRelay, waitForOneLeader, type Relay } from '../support/relays.js';
import { eventually } from '../support/wait.js';

let redis: RedisServer;
let sim: ZoomSimulator;
let relays: Relay[] = [];

beforeEach(async () => {
  redis = await startRedisServer();
  sim = await createZoomSimulator();
  relays = [];
});

afterEach(async () => {
  await killAll(relays);
  await sim.stop();
  await redis.stop();
});

const emit = (seq: number) => sim.emit({ event: 'meeting.participant_joined', payload: { account_id: 'sim-account', seq } });

describe('a leader stopped inside an outage', () => {
  it('SIGTERM during its own reconnect backoff: the open outage is stored from the drop to the stop, and covers every event lost in it', async () => {
    // A reconnect backoff far longer than the test: the outage is still open when the relay stops.
    const relay = startRelay('r1', { ...sim.env, ZOOM_WS_REDIS_URL: redis.url }, ['--backoff-initial', '20000']);
    relays = [relay];
    await waitForOneLeader(relays);
    await relay.waitFor(/zoom connecting → open/, 'the leader live');
    expect(emit(0)).toBe(1);
    await eventually(() => (relay.stdoutLines().length === 1 ? undefined : `${relay.stdoutLines().length} lines`), 'event 0 published');
    const droppedAt = Date.now();
    sim.faults.drop();
    await relay.waitFor(/zoom open → (?!open)/, 'the drop noticed');
    expect(emit(1)).toBe(0);
    const stoppedAt = Date.now();
    relay.kill('SIGTERM');
    expect(await relay.exit).toEqual({ code: 0, signal: null });
    const { events, outages } = await readStreams(redis.url, sim.credentials.subscriptionId);
    expect(events.map((entry) => (JSON.parse(entry.fields.event!) as { payload: { seq: number } }).payload.seq)).toEqual([0]);
    expect(outages).toHaveLength(1);
    const outage = outages[0]!.fields;
    expect(Number(outage.from)).toBeLessThanOrEqual(droppedAt + 50);
    expect(Number(outage.to)).toBeGreaterThanOrEqual(stoppedAt);
    expect(outage.detail).toMatch(/stopped before reconnecting/);
    expect(outage.replica).toBe('r1');
  });
});
