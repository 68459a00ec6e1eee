/**
 * 9. End-to-end latency through the cluster: bench server (Zoom) → `ZoomWsCluster` leader → the subscription's
 *    Redis stream (real `redis-server`) → `ZoomWsConsumer` handler, against the single-process `ZoomWsClient`
 *    on the same paced stream.
 *
 *    As in row 2, both are connected at once and the server alternates one stamped stream between them every
 *    `slotMs` (A = the leader, B = the client), so both sides see the same machine at the same moments; the
 *    samples of all rounds are pooled per side and the added latency carries a 95 % paired block-bootstrap
 *    interval. The rate is lower than row 2's: it is the event rate of a busy Zoom account, not a stress test.
 *    Leader, consumer and client run in this one process (the leader's publish and the consumer's read share
 *    its event loop, which a deployment would not: the figure is an upper bound of that cost).
 */
import { createClient } from 'redis';
import { nowUs, sleep } from './clock.js';
import { benchClient, benchSubscription, collectGarbage, rowFrom, type Row } from './harness.js';
import { BENCH_CREDENTIALS } from './bare.js';
import { EVENT_NAMES, sentUsOf } from './payloads.js';
import type { BenchServer } from './server-control.js';
import { median, pairedBlockBootstrap, quantile, quantileInPlace, quartiles } from './stats.js';
import { startRedisServer } from '../test/support/redis-server.js';
import { ZoomWsCluster } from '../src/cluster/cluster.js';
import { ZoomWsConsumer } from '../src/cluster/consumer.js';

export interface ClusterLatencyConfig {
  rounds: number;
  rate: number;
  slotMs: number;
  warmupMs: number;
  windowMs: number;
}

class Side {
  readonly samples: number[] = [];
  readonly blocks: number[] = [];
  readonly roundStarts: number[] = [];
  recording = false;
  #origin = 0;
  #offset = 0;
  #blockMs = 1;

  readonly handler = (event: { payload: unknown }): void => {
    if (!this.recording) return;
    this.samples.push((nowUs() - sentUsOf(event)) / 1000);
    this.blocks.push(this.#offset + Math.floor((performance.now() - this.#origin) / this.#blockMs));
  };

  startRound(offset: number, origin: number, blockMs: number): void {
    this.roundStarts.push(this.samples.length);
    this.#offset = offset;
    this.#origin = origin;
    this.#blockMs = blockMs;
    this.recording = true;
  }

  rounds(): number[][] {
    return this.roundStarts.map((start, index) => this.samples.slice(start, this.roundStarts[index + 1] ?? this.samples.length));
  }

  byBlock(): Map<number, number[]> {
    const map = new Map<number, number[]>();
    this.blocks.forEach((block, index) => {
      let list = map.get(block);
      if (!list) map.set(block, (list = []));
      list.push(this.samples[index]!);
    });
    return map;
  }
}

let pairCounter = 0;

export async function clusterLatency(server: BenchServer, config: ClusterLatencyConfig): Promise<Row[]> {
  const name = EVENT_NAMES.small;
  const pair = `cluster-lat-${++pairCounter}`;
  const url = (side: 'a' | 'b'): string => server.wsUrl({ mode: 'paced', size: 'small', rate: config.rate, pair, side, slot: config.slotMs });
  const redisServer = await startRedisServer();
  const subscriptionId = benchSubscription();
  const leaderSide = new Side();
  const clientSide = new Side();
  collectGarbage();
  const leader = new ZoomWsCluster({
    ...BENCH_CREDENTIALS,
    subscriptionId,
    oauthUrl: server.oauthUrl(),
    wsUrl: url('a'),
    redis: redisServer.url,
    replicaId: 'bench-leader',
  });
  const consumer = new ZoomWsConsumer({ redis: redisServer.url, subscriptionId, group: 'bench', consumer: 'bench-consumer' });
  consumer.on(name, leaderSide.handler);
  const client = benchClient({ oauthUrl: server.oauthUrl(), wsUrl: url('b') });
  client.on(name, clientSide.handler);
  const redis = createClient({ url: redisServer.url });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await consumer.start();
    await leader.start();
    await waitFor(async () => (await redis.get(leader.keys.lease))?.startsWith('bench-leader|') === true, 15_000, 'the leader did not take the lease');
    await client.start();
    await sleep(config.warmupMs);
    const blockMs = 2 * config.slotMs;
    const blocksPerRound = Math.ceil(config.windowMs / blockMs) + 1;
    for (let round = 0; round < config.rounds; round++) {
      const origin = performance.now();
      leaderSide.startRound(round * blocksPerRound, origin, blockMs);
      clientSide.startRound(round * blocksPerRound, origin, blockMs);
      await sleep(config.windowMs);
      leaderSide.recording = false;
      clientSide.recording = false;
    }
  } finally {
    await client.stop();
    await leader.stop();
    await consumer.stop();
    await redis.close();
    await redisServer.stop();
  }
  if (leaderSide.samples.length === 0) throw new Error('cluster latency: the consumer handler received no event');

  const rowFor = (q: number): Row => {
    const perRound = { leader: leaderSide.rounds().map((s) => quantile(s, q)), client: clientSide.rounds().map((s) => quantile(s, q)) };
    const pooled = { leader: quantile(leaderSide.samples, q), client: quantile(clientSide.samples, q) };
    const leaderBlocks = leaderSide.byBlock();
    const clientBlocks = clientSide.byBlock();
    const blocks = [...leaderBlocks.keys()]
      .filter((block) => clientBlocks.has(block))
      .map((block) => ({ a: Float64Array.from(leaderBlocks.get(block)!), b: Float64Array.from(clientBlocks.get(block)!) }));
    const interval = pairedBlockBootstrap(blocks, (samples) => quantileInPlace(samples, q), { resamples: 400, level: 0.95, seed: 20261201 });
    const differences = perRound.leader.map((value, index) => value - perRound.client[index]!);
    const [q1, q3] = quartiles(differences);
    const label = `p${Math.round(q * 100)}`;
    const row = rowFrom(
      {
        name: `end-to-end latency ${label}, Zoom → cluster leader → Redis stream → consumer handler, at ${config.rate.toLocaleString('en-US')} events/s (baseline: single-process ZoomWsClient)`,
        unit: 'ms',
        target: 'reported (added ms)',
      },
      { value: perRound.leader, baseline: perRound.client },
      () => null,
    );
    row.value = pooled.leader;
    row.baseline = pooled.client;
    row.ratio = pooled.client > 0 ? pooled.leader / pooled.client : null;
    row.added = pooled.leader - pooled.client;
    row.addedInterval = interval;
    const ms = (value: number): string => value.toFixed(3);
    row.note =
      `pooled ${label} of ${config.rounds} rounds (${leaderSide.samples.length} / ${clientSide.samples.length} samples): added ${ms(row.added)} ms, ` +
      `95 % interval ${ms(interval[0])} … ${ms(interval[1])} ms (paired block bootstrap, ${blocks.length} blocks); ` +
      `per-round differences median ${ms(median(differences))}, IQR ${ms(q1)} … ${ms(q3)}; ${config.slotMs} ms A/B slots`;
    return row;
  };
  return [rowFor(0.5), rowFor(0.99)];
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`cluster latency: ${message} within ${timeoutMs} ms`);
    await sleep(10);
  }
}
