/**
 * Cluster chaos soak (issue 8, item 13): seeded random faults across 3 real `zoom-ws relay` processes while a
 * numbered event stream flows — kill, pause (SIGSTOP/SIGCONT), partition (a TCP proxy between a relay and Redis
 * that stops moving bytes), Redis restart (with its data), Zoom drops and displacement (at most 2 per run: a third
 * within 5 minutes is, by design, a foreign consumer that the leader backs off from for `displacedDelay`). The end
 * condition: once a replica holds the lease again, the events stop and every relay stops gracefully (a stopping holder
 * records the outage it is in), then the streams are read. `SOAK_CLUSTER_FAULTS=N`
 * (default 200) and `SOAK_CLUSTER_SEED=S` choose the schedule. Needs `npm run build` (the relays run dist/).
 */
import { describe, expect, it } from 'vitest';
import { createZoomSimulator } from '../../src/simulator/index.js';
import { startRedisServer } from '../support/redis-server.js';
import { killAll, readStreams, SCALED, startRelay, waitForOneLeader, type Relay } from '../support/relays.js';
import { recordSummary } from '../support/summary.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { leakedHandles, liveHandles } from '../support/wait.js';
import { mulberry32 } from '../../src/simulator/random.js';

const FAULTS = Number(process.env.SOAK_CLUSTER_FAULTS ?? 200);
const SEED = Number(process.env.SOAK_CLUSTER_SEED ?? 0x5eed_c1);
/** A rotation or handover keeps the old socket open beside the new one for a moment; longer is two leaders. */
const OVERLAP_ALLOWANCE_MS = 1_000;
/** Simulator displacements per run (the rest become Zoom drops); see the `displace` fault. */
const MAX_DISPLACEMENTS = 2;


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type FaultKind = 'zoom-drop' | 'displace' | 'short-pause' | 'long-pause' | 'kill' | 'partition' | 'redis-restart';
/** Weights: cheap faults often, the ones that cost a failover (≈ TTL) rarely, so 200 fit in about a minute. */
const WEIGHTS: [FaultKind, number][] = [['zoom-drop', 30], ['displace', 20], ['short-pause', 30], ['kill', 6], ['long-pause', 4], ['partition', 6], ['redis-restart', 4]];

describe('cluster chaos soak', () => {
  it(`survives ${FAULTS} faults across 3 relays (seed ${SEED}): every event stored or inside an outage, nothing twice, one leader, tokens grow, nothing leaked`, async () => {
    const baseline = liveHandles();
    const random = mulberry32(SEED);
    const redis = await startRedisServer({ persistent: true });
    const sim = await createZoomSimulator();
    const proxies: TcpProxy[] = [];
    const relays = new Map<string, Relay>();
    const everyRelay: Relay[] = [];
    const emitted: { seq: number; at: number }[] = [];
    const counts = new Map<FaultKind, number>();
    let doubleLeaders = 0;
    let overlapSince: number | undefined;
    const launch = (index: number) => {
      const id = `r${index}`;
      const relay = startRelay(id, { ...sim.env, ZOOM_WS_REDIS_URL: proxies[index]!.url });
      relays.set(id, relay);
      everyRelay.push(relay);
      return relay;
    };
    let seq = 0;
    let pump: NodeJS.Timeout | undefined;
    const startPump = () => setInterval(() => {
      const at = Date.now();
      sim.emit({ event: 'meeting.participant_joined', payload: { account_id: 'sim-account', seq } });
      emitted.push({ seq: seq++, at });
    }, 10);
    const watch = setInterval(() => {
      const live = sim.connections().filter((connection) => connection.live).length;
      if (live < 2) {
        overlapSince = undefined;
        return;
      }
      const now = performance.now();
      overlapSince ??= now;
      if (now - overlapSince > OVERLAP_ALLOWANCE_MS) {
        doubleLeaders++;
        overlapSince = now;
      }
    }, 20);
    try {
      for (let i = 0; i < 3; i++) proxies.push(await startTcpProxy(redis.port));
      for (let i = 0; i < 3; i++) launch(i);
      // Before the first leader is live nobody was ever connected: that start-up gap is no outage.
      await Promise.any([...relays.values()].map((relay) => relay.waitFor(/zoom connecting → open/, 'a first leader', 10_000)));
      pump = startPump();
      const total = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
      const pick = (): FaultKind => {
        let roll = random() * total;
        for (const [kind, weight] of WEIGHTS) if ((roll -= weight) < 0) return kind;
        return 'zoom-drop';
      };
      const someRelay = () => [...relays.values()][Math.floor(random() * relays.size)]!;
      for (let n = 0; n < FAULTS; n++) {
        const kind = pick();
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
        switch (kind) {
          case 'zoom-drop':
            sim.faults.drop();
            break;
          case 'displace':
            // More than 2 displacements in 5 minutes is, by design, a foreign consumer: the leader backs off
            // `displacedDelay` (60 s) and the gap is recorded only when it ends. Two per run stay below that rule.
            if ((counts.get('displace') ?? 0) > MAX_DISPLACEMENTS) sim.faults.drop();
            else sim.faults.displace();
            break;
          case 'short-pause': {
            const relay = someRelay();
            relay.kill('SIGSTOP');
            // Shorter than a renew interval can tell: the leader must carry on without stepping down.
            await sleep(SCALED.renewDeadline / 8);
            relay.kill('SIGCONT');
            break;
          }
          case 'long-pause': {
            const relay = someRelay();
            relay.kill('SIGSTOP');
            await sleep(SCALED.leaseTtl * 1.2);
            relay.kill('SIGCONT');
            break;
          }
          case 'kill': {
            const relay = someRelay();
            relay.kill('SIGKILL');
            await relay.exit;
            launch(Number(relay.id.slice(1)));
            await sleep(SCALED.leaseTtl / 4);
            break;
          }
          case 'partition': {
            const proxy = proxies[Math.floor(random() * proxies.length)]!;
            proxy.pause();
            await sleep(SCALED.leaseTtl * 0.8);
            proxy.resume();
            break;
          }
          case 'redis-restart':
            await redis.restart();
            await sleep(SCALED.renewDeadline);
            break;
        }
        await sleep(10 + random() * 30);
      }
      // The end condition, so that the streams are complete when read. An outage is recorded when it ends: by the
      // successor that goes live (failover), or by a stopping holder for the one it is in (its own reconnect, a
      // displacement back-off, a takeover not live yet). So: wait until a replica holds the lease again (a failover
      // still in progress has nobody to record it yet), stop the events, then stop every relay gracefully.
      await waitForOneLeader([...relays.values()], SCALED.leaseTtl * 5);
      clearInterval(pump);
      await sleep(300);
      clearInterval(watch);
      for (const relay of relays.values()) relay.kill('SIGTERM');
      const stoppedGracefully = await Promise.race([Promise.all(everyRelay.map((relay) => relay.exit)).then(() => true), sleep(5_000).then(() => false)]);
      const { events, outages } = await readStreams(redis.url, sim.credentials.subscriptionId);
      const seqs = events.map((entry) => (JSON.parse(entry.fields.event!) as { payload: { seq: number } }).payload.seq);
      const duplicates = seqs.length - new Set(seqs).size;
      const stored = new Set(seqs);
      const windows = outages.map((entry) => [Number(entry.fields.from), Number(entry.fields.to)] as const);
      const lostOutside = emitted.filter(({ seq: s, at }) => !stored.has(s) && !windows.some(([from, to]) => at >= from && at <= to));
      const tokens = events.map((entry) => BigInt(entry.fields.token!));
      let tokenDecreases = 0;
      for (let i = 1; i < tokens.length; i++) if (tokens[i]! < tokens[i - 1]!) tokenDecreases++;
      await killAll(everyRelay);
      await Promise.all(proxies.map((proxy) => proxy.stop()));
      await sim.stop();
      await redis.stop();
      const leaked = await leakedHandles(baseline);
      const line = `faults: ${FAULTS}, events: ${emitted.length}, lost-outside-outages: ${lostOutside.length}, duplicates: ${duplicates}, double-leaders: ${doubleLeaders}, leaked-handles: ${leaked.length}`;
      recordSummary('cluster-soak', line, { counts: Object.fromEntries(counts), outages: outages.length, tokenDecreases });
      console.log(JSON.stringify({ counts: Object.fromEntries(counts), stored: stored.size, outages: outages.length, displaced: sim.stats.displaced, lostOutside: lostOutside.slice(0, 10) }));
      console.log(line);
      if (lostOutside.length > 0) {
        // What the relays said near the first unexplained loss: the diagnosis starts here.
        // Every process that ran (killed ones too), lines from 3 s before to 3 s after it (relay lines start HH:MM:SS.mmm, UTC).
        const first = lostOutside[0]!.at;
        const dayMs = (line: string) => {
          const match = /^(\d\d):(\d\d):(\d\d)\.(\d{3}) /.exec(line);
          return match ? ((Number(match[1]) * 60 + Number(match[2])) * 60 + Number(match[3])) * 1000 + Number(match[4]) : undefined;
        };
        const firstDayMs = first % 86_400_000;
        for (const relay of everyRelay) {
          const near = relay.stderr().split('\n').filter((line) => {
            const at = dayMs(line);
            return at !== undefined && Math.abs(at - firstDayMs) <= 3_000;
          });
          if (near.length > 0) console.log(`--- ${relay.id} (pid ${relay.child.pid})\n${near.join('\n')}`);
        }
        const nearOutages = outages.filter((entry) => Math.abs(Number(entry.fields.from) - first) < 10_000 || Math.abs(Number(entry.fields.to) - first) < 10_000);
        console.log(`first lost seq ${lostOutside[0]!.seq} at ${new Date(first).toISOString()}; outages near it: ${JSON.stringify(nearOutages.map((entry) => entry.fields))}`);
      }
      expect(stoppedGracefully).toBe(true);
      expect(lostOutside).toEqual([]);
      expect(duplicates).toBe(0);
      expect(doubleLeaders).toBe(0);
      expect(tokenDecreases).toBe(0);
      expect(leaked).toEqual([]);
      // The soak really exercised delivery: a fair share of the events was stored (the rest lies inside outages).
      expect(stored.size).toBeGreaterThan(emitted.length / 5);
    } finally {
      clearInterval(pump);
      clearInterval(watch);
      await killAll(everyRelay);
    }
  }, 180_000);
});
