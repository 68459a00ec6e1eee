/**
 * 8. Failover and handover between `zoom-ws relay` child processes sharing one subscription through a real
 *    `redis-server`, at the 1/5-scale timings of docs (TTL 2000, renew 400, deadline 1300, acquire 200).
 *
 *    A chain of replicas: the leader holds the bench server's Zoom connection, one standby waits (it is ready
 *    once its wake-up subscriber counts in `PUBSUB NUMSUB` and it had time for an acquire attempt). A round
 *    ends the leader — `SIGKILL` (failover) or `SIGTERM` (handover) — and waits for the bench server to send
 *    `build_connection` to the standby; the standby is then the leader, and a fresh standby is started for the
 *    next round. One standby at a time, so that no race of two standbys makes the figures look better.
 *
 *    The bounds are those of the design, with `connect` measured in the same round (the new holder's
 *    `acquiredAt` → `liveSince` in `P:{S}:state`: token request + dial + `build_connection`):
 *    - failover: from the kill to the new connection, ≤ leaseTtl + acquireInterval × 1.25 (its jitter) + connect;
 *    - handover: from the release (`releasedAt`) to the new connection, ≤ one Redis round trip (measured, median
 *      of PINGs) + connect, + 2 ms because `releasedAt`/`acquiredAt` are whole Redis-clock milliseconds.
 *      The note adds the whole handover as the Zoom server saw it (old socket closed → new one open) and from
 *      the signal.
 */
import { createClient } from 'redis';
import { nowUs, sleep } from './clock.js';
import { rowFrom, type Row } from './harness.js';
import { RelayProcess, type RelayTimings } from './relay-process.js';
import type { BenchServer } from './server-control.js';
import type { Stamp } from './server.js';
import { max, median } from './stats.js';
import { subscriptionKeys } from '../src/cluster/keys.js';

export interface FailoverConfig {
  rounds: number;
  timings: RelayTimings;
}

/** Jitter of the standbys' acquire attempts (± 25 %, see ZoomWsClusterOptions.acquireInterval). */
const ACQUIRE_JITTER = 1.25;
/** `releasedAt` and `acquiredAt` are whole milliseconds of the Redis clock: ±1 ms each. */
const CLOCK_GRANULARITY_SLACK_MS = 2;
const POLL_MS = 2;

type Redis = ReturnType<typeof createClient>;

interface RoundResult {
  /** ms from the signal to the new connection (server clock). */
  fromSignal: number;
  /** ms from the old socket's close to the new one's open (server clock). */
  closedToOpen: number;
  /** ms from `releasedAt` (Redis) to the new connection (server, epoch). NaN after a SIGKILL. */
  fromRelease: number;
  /** ms from the new holder's `acquiredAt` to its `liveSince`. */
  connect: number;
  /** ms from `releasedAt` to the successor's `acquiredAt` (Redis clock): wake-up + acquire. NaN after a SIGKILL. */
  wake: number;
}

let runCounter = 0;

export async function failover(server: BenchServer, redisUrl: string, config: FailoverConfig, log: (message: string) => void): Promise<Row[]> {
  const subscriptionId = `failover-${process.pid}-${++runCounter}`;
  const keys = subscriptionKeys('zoomws', subscriptionId);
  const redis: Redis = createClient({ url: redisUrl });
  redis.on('error', () => {});
  await redis.connect();
  const roundTrip = await redisRoundTrip(redis);
  const relays = new Set<RelayProcess>();
  let replicaCounter = 0;
  const startRelay = (): RelayProcess => {
    const relay = new RelayProcess({
      replicaId: `bench-r${++replicaCounter}`,
      subscriptionId,
      oauthUrl: server.oauthUrl(),
      wsUrl: server.wsUrl(),
      redisUrl,
      timings: config.timings,
    });
    relays.add(relay);
    return relay;
  };

  /** Resolves with the next `build_connection` of the subscription after `seen` of them. */
  const nextOpen = async (seen: number, timeoutMs: number): Promise<{ open: Stamp; lastClose: Stamp | undefined }> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const history = await server.history(subscriptionId);
      if (history.opens.length > seen) return { open: history.opens[seen]!, lastClose: history.closes.at(-1) };
      if (Date.now() > deadline) throw new Error(`no new Zoom connection within ${timeoutMs} ms`);
      await sleep(POLL_MS);
    }
  };

  /** The holder's state once `holder` recorded its connection as live. */
  const liveState = async (holder: string, timeoutMs: number): Promise<Record<string, string>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await redis.hGetAll(keys.state);
      if (state.holder === holder && state.liveSince !== undefined) return state;
      if (Date.now() > deadline) throw new Error(`${holder} did not record a live connection within ${timeoutMs} ms (state ${JSON.stringify(state)})`);
      await sleep(POLL_MS);
    }
  };

  const standbyReady = async (count: number, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = (await redis.sendCommand(['PUBSUB', 'NUMSUB', keys.wake])) as unknown[];
      if (Number(reply[1]) >= count) break;
      if (Date.now() > deadline) throw new Error(`the standby did not subscribe to wake-ups within ${timeoutMs} ms`);
      await sleep(10);
    }
    // Subscribed; give it an acquire attempt so that it runs as a standby, not still starting.
    await sleep(config.timings.acquireInterval * ACQUIRE_JITTER);
  };

  const { leaseTtl, acquireInterval } = config.timings;
  const waitLimit = 3 * leaseTtl + 10_000;
  const results: Record<'SIGKILL' | 'SIGTERM', RoundResult[]> = { SIGKILL: [], SIGTERM: [] };
  const badExits: string[] = [];
  try {
    let leader = startRelay();
    await nextOpen(0, waitLimit);
    await liveState(leader.replicaId, waitLimit);
    let opens = 1;
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      log(`  ${signal === 'SIGKILL' ? 'failover after SIGKILL' : 'handover after SIGTERM'}: ${config.rounds} rounds`);
      for (let round = 0; round < config.rounds; round++) {
        const standby = startRelay();
        await standbyReady(2, waitLimit);
        const signalledAt = nowUs();
        leader.signal(signal);
        const { open, lastClose } = await nextOpen(opens, waitLimit);
        opens++;
        const state = await liveState(standby.replicaId, waitLimit);
        const exit = await leader.exited;
        relays.delete(leader);
        if (signal === 'SIGTERM' && exit.code !== 0) badExits.push(`${leader.replicaId} exited with ${exit.code ?? exit.signal} after SIGTERM`);
        const releasedAt = state.releasedAt === undefined ? Number.NaN : Number(state.releasedAt);
        results[signal].push({
          fromSignal: (open.us - signalledAt) / 1000,
          closedToOpen: lastClose ? (open.us - lastClose.us) / 1000 : Number.NaN,
          fromRelease: signal === 'SIGTERM' ? open.epochMs - releasedAt : Number.NaN,
          connect: Number(state.liveSince) - Number(state.acquiredAt),
          wake: Number(state.acquiredAt) - releasedAt,
        });
        leader = standby;
      }
    }
  } finally {
    await Promise.all([...relays].map((relay) => relay.kill()));
    await redis.del(Object.values(keys).filter((key) => !key.endsWith(':')));
    await redis.close();
  }

  const ms = (values: number[]): string => values.map((value) => value.toFixed(1)).join(', ');
  const timingsText = `TTL ${leaseTtl}, renew ${config.timings.renewInterval}, deadline ${config.timings.renewDeadline}, acquire ${acquireInterval} ms`;

  const killed = results.SIGKILL;
  const failoverBounds = killed.map((result) => leaseTtl + acquireInterval * ACQUIRE_JITTER + result.connect);
  const failoverRow = rowFrom(
    {
      name: `failover after SIGKILL of the leader relay (${timingsText})`,
      unit: 'ms',
      target: 'every round ≤ leaseTtl + 1.25 × acquireInterval + connect (baseline column: that bound)',
    },
    { value: killed.map((result) => result.fromSignal), baseline: failoverBounds },
    () => killed.every((result, index) => result.fromSignal <= failoverBounds[index]!),
  );
  failoverRow.note =
    `from the kill to build_connection of the standby (bench server clock); median ${median(failoverRow.samples.value).toFixed(1)} ms, ` +
    `worst ${max(failoverRow.samples.value).toFixed(1)} ms; connect (acquiredAt → liveSince) median ${median(killed.map((r) => r.connect)).toFixed(1)} ms; ` +
    `rounds: ${ms(failoverRow.samples.value)}; bounds: ${ms(failoverBounds)}`;

  const handed = results.SIGTERM;
  const handoverBounds = handed.map((result) => roundTrip + result.connect + CLOCK_GRANULARITY_SLACK_MS);
  const handoverRow = rowFrom(
    {
      name: `handover after SIGTERM of the leader relay (release → new connection; ${timingsText})`,
      unit: 'ms',
      target: `every round ≤ one Redis round trip + connect (+${CLOCK_GRANULARITY_SLACK_MS} ms clock granularity; baseline column: that bound)`,
    },
    { value: handed.map((result) => result.fromRelease), baseline: handoverBounds },
    () => badExits.length === 0 && handed.every((result, index) => result.fromRelease <= handoverBounds[index]!),
  );
  handoverRow.note =
    `median ${median(handoverRow.samples.value).toFixed(1)} ms, worst ${max(handoverRow.samples.value).toFixed(1)} ms from the release; ` +
    `Redis round trip ${roundTrip.toFixed(3)} ms (median of PINGs); connect median ${median(handed.map((r) => r.connect)).toFixed(1)} ms; ` +
    `old socket closed → new one open (Zoom's view): median ${median(handed.map((r) => r.closedToOpen)).toFixed(1)}, worst ${max(handed.map((r) => r.closedToOpen)).toFixed(1)} ms; ` +
    `SIGTERM → new connection: median ${median(handed.map((r) => r.fromSignal)).toFixed(1)}, worst ${max(handed.map((r) => r.fromSignal)).toFixed(1)} ms; ` +
    `release → acquiredAt (wake-up + acquire) median ${median(handed.map((r) => r.wake)).toFixed(1)}, worst ${max(handed.map((r) => r.wake)).toFixed(1)} ms; ` +
    `rounds: ${ms(handoverRow.samples.value)}; bounds: ${ms(handoverBounds)}` +
    (badExits.length > 0 ? `; ${badExits.join('; ')}` : '');
  return [failoverRow, handoverRow];
}

/** Median of 50 PINGs on an established connection, ms. */
async function redisRoundTrip(redis: Redis): Promise<number> {
  const samples: number[] = [];
  for (let index = 0; index < 50; index++) {
    const start = nowUs();
    await redis.ping();
    samples.push((nowUs() - start) / 1000);
  }
  return median(samples);
}
