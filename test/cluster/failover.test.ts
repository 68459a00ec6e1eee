import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RENEW } from '../../src/cluster/lease-scripts.js';
import { createZoomSimulator } from '../../src/simulator/index.js';
import type { ZoomSimulator } from '../../src/simulator/types.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { killAll, readStreams, SCALED, startRelay, waitForOneLeader, type Relay, type StreamEntry } from '../support/relays.js';
import { eventually } from '../support/wait.js';

let redis: RedisServer;
let sim: ZoomSimulator;
let relays: Relay[] = [];
let env: Record<string, string>;
/** Epoch ms each seq was emitted, and whether any socket got it. */
let emitted: { seq: number; at: number; reached: number }[] = [];
let pump: NodeJS.Timeout | undefined;
let tap: TcpProxy | undefined;

beforeEach(async () => {
  redis = await startRedisServer();
  sim = await createZoomSimulator();
  env = { ...sim.env, ZOOM_WS_REDIS_URL: redis.url };
  relays = [];
  emitted = [];
});

afterEach(async () => {
  clearInterval(pump);
  await killAll(relays);
  await tap?.stop();
  tap = undefined;
  await sim.stop();
  await redis.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seqOf = (entry: StreamEntry) => (JSON.parse(entry.fields.event!) as { payload: { seq: number } }).payload.seq;
/** Lease TTL + acquire interval (+25 % jitter) + a token request and a connect on loopback under load. */
const FAILOVER_BOUND = SCALED.leaseTtl + SCALED.acquireInterval * 1.25 + 700;

function startPump(intervalMs = 10): void {
  let seq = 0;
  pump = setInterval(() => {
    const at = Date.now();
    const reached = sim.emit({ event: 'meeting.participant_joined', payload: { account_id: 'sim-account', seq } });
    emitted.push({ seq: seq++, at, reached });
  }, intervalMs);
}

async function twoReplicasWithLeader() {
  relays = ['r1', 'r2'].map((id) => startRelay(id, env));
  const leader = await waitForOneLeader(relays);
  await leader.waitFor(/zoom connecting → open/, 'the leader live');
  return { leader, standby: relays.find((relay) => relay !== leader)! };
}

async function streams() {
  return readStreams(redis.url, sim.credentials.subscriptionId);
}

/** Every event missing from the stream lies inside a recorded outage; none is stored twice; tokens never decrease. */
function checkInvariants(events: StreamEntry[], outages: StreamEntry[]) {
  const seqs = events.map(seqOf);
  expect(new Set(seqs).size).toBe(seqs.length);
  const stored = new Set(seqs);
  const windows = outages.map((entry) => [Number(entry.fields.from), Number(entry.fields.to)] as const);
  const uncovered = emitted.filter(({ seq, at }) => !stored.has(seq) && !windows.some(([from, to]) => at >= from && at <= to));
  expect(uncovered).toEqual([]);
  const tokens = events.map((entry) => BigInt(entry.fields.token!));
  for (let i = 1; i < tokens.length; i++) expect(tokens[i]! >= tokens[i - 1]!).toBe(true);
}

describe('failover (real child processes, SIGKILL / SIGSTOP)', () => {
  it('3. leader SIGKILL: a new leader is live within leaseTtl + acquireInterval + a connect; 0 displacements; one outage covering exactly the lost events', async () => {
    const { leader, standby } = await twoReplicasWithLeader();
    startPump();
    await sleep(300);
    const killedAt = performance.now();
    leader.kill('SIGKILL');
    const liveAt = await standby.waitFor(/zoom connecting → open/, 'the standby live', FAILOVER_BOUND + 2_000);
    const failoverMs = liveAt - killedAt;
    await sleep(300);
    clearInterval(pump);
    await sleep(100);
    expect(failoverMs).toBeLessThan(FAILOVER_BOUND);
    expect(sim.stats.displaced).toBe(0);
    const { events, outages } = await streams();
    expect(outages).toHaveLength(1);
    expect(outages[0]!.fields).toMatchObject({ reason: 'failover', previousHolder: leader.id, replica: standby.id });
    checkInvariants(events, outages);
    // The window starts no later than the last event that reached the old leader, and ends when the new one is live.
    const from = Number(outages[0]!.fields.from);
    const to = Number(outages[0]!.fields.to);
    const old = events.filter((entry) => entry.fields.replica === leader.id);
    const fresh = events.filter((entry) => entry.fields.replica === standby.id);
    expect(from).toBeLessThanOrEqual(Number(old.at(-1)!.fields.receivedAt));
    expect(to).toBeLessThanOrEqual(Number(fresh[0]!.fields.receivedAt));
    // Exactly: the events inside the window that are missing are those that reached nobody or died with the leader.
    const lost = emitted.filter(({ seq }) => !events.some((entry) => seqOf(entry) === seq));
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every(({ at }) => at >= from && at <= to)).toBe(true);
    console.log(`failover after SIGKILL: live again after ${failoverMs.toFixed(0)} ms (bound ${FAILOVER_BOUND} ms); outage ${to - from} ms, ${lost.length} events lost`);
  });

  it('4. leader SIGSTOP for 2 × TTL, then SIGCONT: takeover; the resumed replica steps down before any publish of it is accepted and never dials again', async () => {
    const { leader, standby } = await twoReplicasWithLeader();
    startPump();
    await sleep(300);
    const pausedAt = performance.now();
    leader.kill('SIGSTOP');
    const liveAt = await standby.waitFor(/zoom connecting → open/, 'the standby live', FAILOVER_BOUND + 2_000);
    const takeoverMs = liveAt - pausedAt;
    await sleep(Math.max(0, 2 * SCALED.leaseTtl - (performance.now() - pausedAt)));
    const upgradesBefore = sim.stats.upgrades;
    const resumedAt = Date.now();
    const resumedMono = performance.now();
    leader.kill('SIGCONT');
    await leader.waitFor(/Stepped down/, 'the resumed leader stepping down', 3_000);
    await sleep(SCALED.leaseTtl);
    clearInterval(pump);
    await sleep(100);
    expect(takeoverMs).toBeLessThan(FAILOVER_BOUND);
    expect(sim.stats.upgrades).toBe(upgradesBefore);
    expect(sim.stats.displaced).toBeLessThanOrEqual(1);
    expect(standby.isLeader()).toBe(true);
    expect(leader.isLeader()).toBe(false);
    const { events, outages } = await streams();
    // Nothing the old leader published after it was resumed was accepted.
    expect(events.filter((entry) => entry.fields.replica === leader.id && Number(entry.fields.receivedAt) >= resumedAt)).toEqual([]);
    checkInvariants(events, outages);
    const steppedDownMs = leader.seenAt(/Stepped down/)! - resumedMono;
    console.log(`SIGSTOP 2×TTL: takeover after ${takeoverMs.toFixed(0)} ms; resumed replica stepped down ${steppedDownMs.toFixed(0)} ms after SIGCONT (as its stderr arrived)`);
  });

  it('5. leader SIGSTOP shorter than renewDeadline: nothing changes, nothing lost, nothing duplicated', async () => {
    const { leader, standby } = await twoReplicasWithLeader();
    startPump();
    await sleep(300);
    leader.kill('SIGSTOP');
    await sleep(SCALED.renewDeadline - SCALED.renewInterval * 2);
    leader.kill('SIGCONT');
    await sleep(SCALED.leaseTtl);
    clearInterval(pump);
    const count = emitted.length;
    await eventually(() => (leader.stdoutLines().length >= count ? undefined : `${leader.stdoutLines().length}/${count}`), 'everything published', 3_000);
    const { events, outages } = await streams();
    expect(events.map(seqOf)).toEqual(emitted.map(({ seq }) => seq));
    expect(outages).toEqual([]);
    expect(leader.isLeader()).toBe(true);
    expect(leader.stderr()).not.toMatch(/Stepped down/);
    expect(standby.stderr()).not.toMatch(/leading/);
    expect(sim.stats.connections).toBe(1);
    expect(sim.stats.displaced).toBe(0);
  });

  it('5b. leader SIGSTOPped right as it sends a renew (Redis answers while it stands still): the answer counts on SIGCONT; nothing changes, nothing lost', async () => {
    // Lost, that renew would leave renewDeadline − renewInterval from the one before, less than this pause plus
    // the next renewInterval: a step-down. Counted, the deadline runs from this renew's send, which leaves room.
    const pauseMs = SCALED.renewDeadline - SCALED.renewInterval * 1.5;
    const renewSha = createHash('sha1').update(RENEW).digest('hex');
    let armed = false;
    let paused: Promise<void> | undefined;
    let target: Relay | undefined;
    // Only the leader talks to Redis through the tap; it is stopped before the chunk with its renew is forwarded.
    tap = await startTcpProxy(redis.port, 'redis', {
      onClientData: (chunk) => {
        if (!armed || !target || !chunk.includes(renewSha)) return;
        armed = false;
        const relay = target;
        relay.kill('SIGSTOP');
        paused = sleep(pauseMs).then(() => relay.kill('SIGCONT'));
      },
    });
    const leader = startRelay('r1', { ...env, ZOOM_WS_REDIS_URL: tap.url });
    target = leader;
    relays = [leader];
    await waitForOneLeader(relays);
    await leader.waitFor(/zoom connecting → open/, 'the leader live');
    const standby = startRelay('r2', env);
    relays.push(standby);
    await standby.waitFor(/replica r2: standby/, 'the standby running');
    startPump();
    await sleep(300);
    armed = true;
    await eventually(() => (paused ? undefined : 'no renew sent yet'), 'the leader paused on a renew', SCALED.renewInterval * 3);
    await paused;
    await sleep(SCALED.leaseTtl);
    clearInterval(pump);
    const count = emitted.length;
    await eventually(() => (leader.stdoutLines().length >= count ? undefined : `${leader.stdoutLines().length}/${count}`), 'everything published', 3_000);
    const { events, outages } = await streams();
    expect(events.map(seqOf)).toEqual(emitted.map(({ seq }) => seq));
    expect(outages).toEqual([]);
    expect(leader.stderr()).not.toMatch(/Stepped down/);
    expect(leader.isLeader()).toBe(true);
    expect(standby.stderr()).not.toMatch(/leading/);
    expect(sim.stats.connections).toBe(1);
  });
});
