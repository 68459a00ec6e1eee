/**
 * 6. Scale: N concurrent clients in one process, one subscription each, heartbeat 1 s, against the bench server
 *    in its own process (a process may hold 20,000 files; 10,000 loopback connections take 10,000 on each side).
 *    Each side runs in a fresh worker process per round (client, bare, client, bare, …) that opens connections
 *    up to each count in turn (e.g. 1,000 then 10,000) and measures at each: heap and RSS growth per connection
 *    after a full GC, CPU per second while idle (only heartbeats flowing), and the time spent opening.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { interleaved, rowFrom, type Row, type Sides } from './harness.js';
import type { ScaleWorkerConfig, ScaleWorkerResult } from './scale-worker.js';
import { BenchServer } from './server-control.js';

export interface ScaleConfig {
  rounds: number;
  /** Connection counts, ascending; measured one after the other in the same worker. */
  counts: readonly number[];
  /** What each count stands for in the full run, when --quick uses fewer connections. */
  standsFor?: readonly number[];
  /**
   * Run the client and the bare worker of a round at the same time (--quick only, to fit in its time budget):
   * memory and CPU time are per process and barely affected; the times to open all then include contention.
   */
  sidesTogether?: boolean;
  heartbeatMs: number;
  settleMs: number;
  /** CPU is measured over this window: keep it a whole number of heartbeat periods (each socket beats once per period). */
  idleMs: number;
  concurrency: number;
}

const WORKER = fileURLToPath(new URL('./scale-worker.js', import.meta.url));
/** Spread connections over several listening ports so that 4-tuples (and TIME_WAIT) never run short. */
const SERVER_PORTS = 4;

function runWorker(config: ScaleWorkerConfig): Promise<ScaleWorkerResult[]> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [JSON.stringify(config)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let results: ScaleWorkerResult[] | undefined;
    child.once('message', (message: ScaleWorkerResult[]) => {
      results = message;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (results) resolve(results);
      else reject(new Error(`scale worker (${config.variant}) exited with code ${code} without a result`));
    });
  });
}

const fmt = (count: number): string => count.toLocaleString('en-US');

export async function scale(config: ScaleConfig, log: (message: string) => void): Promise<Row[]> {
  const server = await BenchServer.start(SERVER_PORTS);
  const results: Record<'client' | 'bare', ScaleWorkerResult[][]> = { client: [], bare: [] };
  let prefixCounter = 0;
  try {
    const side = (variant: 'client' | 'bare') => async (round: number): Promise<number> => {
      const stages = await runWorker({
        variant,
        stages: [...config.counts],
        oauthUrls: server.ports.map((_, index) => server.oauthUrl(3599, index)),
        wsUrls: server.ports.map((_, index) => server.wsUrl({}, index)),
        prefix: `scale-${process.pid}-${++prefixCounter}`,
        concurrency: config.concurrency,
        heartbeatMs: config.heartbeatMs,
        settleMs: config.settleMs,
        idleMs: config.idleMs,
      });
      for (const result of stages) {
        log(
          `  ${variant} ${fmt(result.count)}: ${result.open}/${result.count} open after ${result.openMs.toFixed(0)} ms, heap ${result.heapPerConnKB.toFixed(1)} KB/conn, ` +
            `rss ${result.rssPerConnKB.toFixed(1)} KB/conn, idle cpu ${result.cpuMsPerS.toFixed(1)} ms/s` +
            (result.firstError ? `, first error: ${result.firstError}` : ''),
        );
      }
      if (round >= 0) results[variant].push(stages);
      return stages[0]!.heapPerConnKB;
    };
    if (config.sidesTogether) {
      for (let round = 0; round < config.rounds; round++) await Promise.all([side('client')(round), side('bare')(round)]);
    } else {
      await interleaved(config.rounds, side('client'), side('bare'), false);
    }
  } finally {
    await server.stop();
  }

  const rows: Row[] = [];
  config.counts.forEach((count, stage) => {
    const standsFor = config.standsFor?.[stage];
    const label = standsFor !== undefined && standsFor !== count ? `scale ${fmt(count)} clients (--quick stand-in for ${fmt(standsFor)})` : `scale ${fmt(count)} clients`;
    const client = results.client.map((stages) => stages[stage]!);
    const bare = results.bare.map((stages) => stages[stage]!);
    const pick = (key: 'heapPerConnKB' | 'rssPerConnKB' | 'cpuMsPerS' | 'openMs'): Sides => ({
      value: client.map((result) => result[key]),
      baseline: bare.map((result) => result[key]),
    });
    const clientAllOpen = client.every((result) => result.open === count);
    const heapTotal = (list: ScaleWorkerResult[]): string => (list.reduce((sum, r) => sum + r.heapTotalPerConnKB, 0) / list.length).toFixed(1);
    rows.push(
      rowFrom({ name: `${label}: heap per connection`, unit: 'KB', target: 'ratio ≤ 1.5' }, pick('heapPerConnKB'), ({ ratio }) => ratio !== null && ratio <= 1.5),
      rowFrom(
        {
          name: `${label}: RSS per connection`,
          unit: 'KB',
          target: 'ratio ≤ 1.5',
          note: `V8 heap committed (heapTotal) per connection, mean: client ${heapTotal(client)} KB, bare ${heapTotal(bare)} KB`,
        },
        pick('rssPerConnKB'),
        ({ ratio }) => ratio !== null && ratio <= 1.5,
      ),
      rowFrom({ name: `${label}: CPU while idle (heartbeat 1 s)`, unit: 'ms CPU/s', target: 'reported (no target)' }, pick('cpuMsPerS'), () => null),
      rowFrom(
        {
          name: `${label}: time to open all`,
          unit: 'ms',
          target: `all ${fmt(count)} reach open`,
          note:
            `${config.concurrency} connections opening at a time${config.sidesTogether ? ', client and bare workers running at the same time (--quick)' : ''}; ` +
            `open at the end of each round: client ${client.map((r) => r.open).join('/')}, bare ${bare.map((r) => r.open).join('/')}`,
        },
        pick('openMs'),
        () => clientAllOpen,
      ),
    );
  });
  return rows;
}
