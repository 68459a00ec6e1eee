/**
 * `npm run bench [-- --quick] [--json PATH] [--only NAME,…] [--rounds N]`
 *
 * Runs every benchmark (ZoomWsClient against a bare `ws` baseline, interleaved in this one process run),
 * prints a markdown table on stdout and writes the rows to `bench/results.json` (or PATH).
 * Progress goes to stderr. `--only` takes any of: throughput, latency, reconnect, dead, rotation, scale, publish, cluster-latency, failover, forward.
 */
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nowMs } from './clock.js';
import { clusterLatency } from './cluster-latency.js';
import { deadDetection } from './dead.js';
import { failover } from './failover.js';
import { forwardThroughput } from './forward.js';
import type { Row } from './harness.js';
import { latency } from './latency.js';
import { reconnect } from './reconnect.js';
import { publishThroughput } from './publish.js';
import { markdownTable, writeJson } from './report.js';
import { rotation } from './rotation.js';
import { scale } from './scale.js';
import { BenchServer } from './server-control.js';
import { throughput } from './throughput.js';
import { startRedisServer } from '../test/support/redis-server.js';

/** The repository root: this file runs as dist/bench/bench/main.js. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const SUITES = ['throughput', 'latency', 'reconnect', 'dead', 'rotation', 'scale', 'publish', 'cluster-latency', 'failover', 'forward'] as const;
type Suite = (typeof SUITES)[number];

interface Args {
  quick: boolean;
  json: string;
  only: Set<Suite>;
  rounds: number | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, json: resolve(ROOT, 'bench/results.json'), only: new Set(SUITES), rounds: undefined };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--quick') args.quick = true;
    else if (arg === '--json') args.json = resolve(process.cwd(), value());
    else if (arg === '--rounds') args.rounds = Math.max(5, Number(value()));
    else if (arg === '--only') {
      const names = value().split(',');
      for (const name of names) if (!SUITES.includes(name as Suite)) throw new Error(`unknown suite "${name}" (known: ${SUITES.join(', ')})`);
      args.only = new Set(names as Suite[]);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run bench -- [--quick] [--json PATH] [--only throughput,latency,reconnect,dead,rotation,scale,publish,cluster-latency,failover,forward] [--rounds N>=5]\n');
      process.exit(0);
    } else throw new Error(`unknown argument "${arg}"`);
  }
  return args;
}

/** Sizes of each benchmark: `--quick` stays under 60 s on 2 cores; the full run takes several minutes. */
function plan(quick: boolean, rounds: number | undefined) {
  const r = rounds ?? (quick ? 5 : 9);
  return {
    // Many short rounds rather than a few long ones: load from other processes drifts over seconds.
    throughput: quick ? { rounds: r, warmupMs: 80, windowMs: 250 } : { rounds: rounds ?? 15, warmupMs: 200, windowMs: 600 },
    latency: quick
      ? { rounds: r, rate: 5000, slotMs: 50, warmupMs: 200, windowMs: 1500 }
      : { rounds: r, rate: 5000, slotMs: 50, warmupMs: 500, windowMs: 3000 },
    reconnect: quick ? { rounds: r, dropsPerRound: 5 } : { rounds: r, dropsPerRound: 20 },
    dead: quick
      ? { rounds: r, settings: [{ interval: 50, timeout: 25 }, { interval: 100, timeout: 50 }, { interval: 200, timeout: 100 }] }
      : { rounds: r, settings: [{ interval: 100, timeout: 50 }, { interval: 500, timeout: 250 }, { interval: 2000, timeout: 1000 }] },
    // 100 rotations in total in --quick (5 × 20), 100 per round in the full run.
    rotation: quick
      ? { rounds: r, rotationsPerRound: Math.ceil(100 / r), overlapRotationsPerRound: 5, ttlSeconds: 0.03, overlapMs: 5 }
      : { rounds: rounds ?? 5, rotationsPerRound: 100, overlapRotationsPerRound: 40, ttlSeconds: 0.1, overlapMs: 5 },
    scale: quick
      ? { rounds: 5, counts: [200, 400], standsFor: [1000, 10_000], sidesTogether: true, heartbeatMs: 1000, settleMs: 100, idleMs: 1000, concurrency: 200 }
      : { rounds: 5, counts: [1000, 10_000], heartbeatMs: 1000, settleMs: 1500, idleMs: 3000, concurrency: 200 },
    clusterLatency: { rounds: r, rate: 1000, slotMs: 50, warmupMs: quick ? 500 : 1000, windowMs: quick ? 1000 : 3000 },
    publish: { rounds: r, eventsPerRound: quick ? 5_000 : 40_000 },
    // The 1/5-scale timings of docs/cluster-design: TTL 2000, renew 400, deadline 1300, acquire 200.
    failover: { rounds: quick ? 10 : Math.max(20, r), timings: { leaseTtl: 2000, renewInterval: 400, renewDeadline: 1300, acquireInterval: 200 } },
    // Short rounds (load drifts over seconds); loopback fetch managed ~400–1,100 requests/s on the shared 2-core machine.
    forward: quick
      ? { rounds: rounds ?? 15, eventsPerRound: 200, warmupEvents: 1_000, concurrencies: [1, 8] }
      : { rounds: rounds ?? 25, eventsPerRound: 1_000, warmupEvents: 3_000, concurrencies: [1, 8] },
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = plan(args.quick, args.rounds);
  const started = nowMs();
  const [loadStart] = loadavg();
  const rows: Row[] = [];
  const failures: string[] = [];
  const log = (message: string): void => {
    process.stderr.write(`[bench ${((nowMs() - started) / 1000).toFixed(1)} s] ${message}\n`);
  };
  const add = (...added: Row[]): void => {
    rows.push(...added);
    for (const row of added) log(`  ${row.name}: ${row.value.toFixed(3)} vs ${row.baseline?.toFixed(3) ?? '—'} ${row.unit}`);
  };

  const server = await BenchServer.start();
  try {
    if (args.only.has('throughput')) {
      log('throughput (blast server, small then large payload)');
      add(await throughput(server, 'small', config.throughput));
      add(await throughput(server, 'large', config.throughput));
    }
    if (args.only.has('latency')) {
      log(`latency at ${config.latency.rate} events/s`);
      add(...(await latency(server, config.latency)));
    }
    if (args.only.has('reconnect')) {
      log('reconnect after a server-side drop, backoff 0');
      add(...(await reconnect(server, config.reconnect)));
    }
    if (args.only.has('dead')) {
      log('dead-connection detection');
      add(...(await deadDetection(server, config.dead)));
    }
    if (args.only.has('rotation')) {
      log('rotation gap (embedded simulator, then overlapping bench server)');
      add(...(await rotation(server, config.rotation)));
    }
    if (args.only.has('publish')) {
      log('publish throughput into a real redis-server');
      add(await publishThroughput(config.publish));
    }
    if (args.only.has('forward')) {
      log(`forward throughput to a local webhook handler vs a bare fetch loop (concurrency ${config.forward.concurrencies.join(' and ')})`);
      add(...(await forwardThroughput(config.forward)));
    }
    if (args.only.has('cluster-latency')) {
      log(`end-to-end latency through the cluster at ${config.clusterLatency.rate} events/s (real redis-server)`);
      try {
        add(...(await clusterLatency(server, config.clusterLatency)));
      } catch (error) {
        // Reported, not hidden: the run ends with exit code 1 and the reason below the table.
        failures.push(`cluster-latency: ${error instanceof Error ? error.message : String(error)}`);
        log(`  FAILED: ${failures.at(-1)!}`);
      }
    }
    if (args.only.has('failover')) {
      log('failover and handover between relay child processes (real redis-server)');
      const redis = await startRedisServer();
      try {
        add(...(await failover(server, redis.url, config.failover, log)));
      } finally {
        await redis.stop();
      }
    }
  } finally {
    await server.stop();
  }
  if (args.only.has('scale')) {
    log(`scale: ${config.scale.counts.join(' and ')} clients, one process each side`);
    add(...(await scale(config.scale, log)));
  }

  const [loadEnd] = loadavg();
  process.stdout.write(
    `${markdownTable(rows)}\n\nMachine: ${cpus().length} cores, Node ${process.version}; 1-min load average ${loadStart!.toFixed(2)} at start, ` +
      `${loadEnd!.toFixed(2)} at the end (the benchmark itself keeps about 2 busy; more means other processes shared the cores).\n`,
  );
  if (failures.length > 0) {
    process.stdout.write(`\nNot measured:\n${failures.map((failure) => `- ${failure}`).join('\n')}\n`);
    process.exitCode = 1;
  }
  writeJson(args.json, rows);
  log(`done in ${((nowMs() - started) / 1000).toFixed(1)} s; wrote ${args.json}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
