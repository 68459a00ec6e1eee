/**
 * 7. Publish throughput into a subscription's stream on a real `redis-server` (loopback, no persistence: the
 *    rows compare the clients, not the disk).
 *
 *    Leader side: the cluster's publish path as the leader runs it — `idempotencyKey` of each inner event, the
 *    `EventPublisher` queue, `LeaseStore.publishMany` (pipelined batches of up to 256, one in flight, each
 *    entry one fenced + de-duplicating Lua script that appends with `XADD … MINID`) — under a held lease.
 *    Baseline: a bare node-redis client pipelining `XADD stream * event <json>` of the same payloads, in batches
 *    of the same size, one in flight. Events/s from the first push to the last reply, interleaved A B A B.
 */
import { createClient } from 'redis';
import { nowMs } from './clock.js';
import { interleaved, rowFrom, type Row } from './harness.js';
import { benchEvent } from './payloads.js';
import { startRedisServer } from '../test/support/redis-server.js';
import { EventPublisher } from '../src/cluster/event-publisher.js';
import { subscriptionKeys } from '../src/cluster/keys.js';
import { idempotencyKey, LeaseStore } from '../src/cluster/lease-store.js';
import type { ZoomEvent } from '../src/protocol/events.js';

export interface PublishConfig {
  rounds: number;
  eventsPerRound: number;
}

/** The batch size of EventPublisher (MAX_BATCH), used by the baseline too. */
const BATCH = 256;
/** Events queued in the leader's publisher before the feed waits: a few batches, far below its 10,000 bound. */
const QUEUED_HIGH_WATER = 8 * BATCH;

export async function publishThroughput(config: PublishConfig): Promise<Row> {
  const server = await startRedisServer();
  const redis = createClient({ url: server.url });
  redis.on('error', () => {});
  await redis.connect();
  let seq = 0;
  /** Fresh events for each round: the leader's side would take repeats for duplicates. */
  const payloads = (): { event: ZoomEvent; content: string }[] =>
    Array.from({ length: config.eventsPerRound }, () => {
      const event = benchEvent('small', ++seq) as unknown as ZoomEvent;
      return { event, content: JSON.stringify(event) };
    });
  let round = 0;

  const leaderRound = async (): Promise<number> => {
    const events = payloads();
    await redis.flushAll();
    const keys = subscriptionKeys('zoomws', `publish-${++round}`);
    const store = new LeaseStore(redis, keys, { replicaId: 'bench-leader', leaseTtl: 60_000, retentionMs: 24 * 3600_000 });
    const lease = await store.acquire();
    if (!lease.acquired) throw new Error('publish bench: could not take the lease of a fresh subscription');
    let published = 0;
    let problem: string | undefined;
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    const fail = (what: string) => (): void => {
      problem ??= what;
      finish();
    };
    const publisher = new EventPublisher(
      store,
      {
        published: () => {
          if (++published === events.length) finish();
        },
        duplicate: fail('an event was taken for a duplicate'),
        fenced: fail('publishes were fenced'),
        failed: (error) => fail(`Redis failed: ${String(error)}`)(),
        dropped: fail('events were dropped'),
      },
      50,
    );
    const start = nowMs();
    for (const { event, content } of events) {
      // Events arrive over time: a burst larger than the leader's queue bound would be dropped by design, so
      // the feed waits (yielding to I/O, where replies are read) while several batches are already queued.
      while (publisher.queued >= QUEUED_HIGH_WATER) await new Promise((resolve) => setImmediate(resolve));
      publisher.push(lease.token, { event: content, key: idempotencyKey(content), receivedAt: Date.now() }, event);
    }
    await done;
    const elapsed = nowMs() - start;
    publisher.close();
    if (problem) throw new Error(`publish bench: ${problem}`);
    return (events.length / elapsed) * 1000;
  };

  const bareRound = async (): Promise<number> => {
    const events = payloads();
    await redis.flushAll();
    const stream = subscriptionKeys('zoomws', `publish-bare-${++round}`).events;
    const start = nowMs();
    for (let offset = 0; offset < events.length; offset += BATCH) {
      const batch = events.slice(offset, offset + BATCH);
      await Promise.all(batch.map(({ content }) => redis.sendCommand(['XADD', stream, '*', 'event', content])));
    }
    const elapsed = nowMs() - start;
    return (events.length / elapsed) * 1000;
  };

  try {
    const sides = await interleaved(config.rounds, leaderRound, bareRound);
    const serverCost = await commandCost(redis);
    return rowFrom(
      {
        name: `publish throughput into the stream (leader path: fenced, de-duplicated publishMany; small events) vs bare pipelined XADD`,
        unit: 'events/s',
        target: 'ratio ≥ 0.80',
        note:
          `${config.eventsPerRound.toLocaleString('en-US')} events per round and side, batches of ${BATCH}, one in flight; real redis-server 127.0.0.1, no persistence; ` +
          `Redis CPU per call (INFO commandstats, usec_per_call): publish script (EVALSHA, one per batch of ${BATCH}) ${serverCost.evalsha ?? '—'} µs, XADD ${serverCost.xadd ?? '—'} µs`,
      },
      sides,
      ({ ratio }) => ratio !== null && ratio >= 0.8,
    );
  } finally {
    await redis.close();
    await server.stop();
  }
}

/** Redis' own time per call of the two commands compared (µs), from `INFO commandstats`. */
async function commandCost(redis: { info(section: string): Promise<string> }): Promise<{ evalsha?: string; xadd?: string }> {
  const info = await redis.info('commandstats');
  const perCall = (command: string): string | undefined => new RegExp(`^cmdstat_${command}:.*usec_per_call=([\\d.]+)`, 'm').exec(info)?.[1];
  return { evalsha: perCall('evalsha'), xadd: perCall('xadd') };
}
