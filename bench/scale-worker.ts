/**
 * One side of the scale benchmark, in a fresh process (so that its memory figures start from a clean heap):
 * opens connections — ZoomWsClient instances or bare `ws` sockets — each on its own subscription, with a 1 s
 * heartbeat, up to each of `stages` in turn (e.g. 1,000 then 10,000); at each stage it measures idle CPU,
 * heap and RSS, and reports them to the parent over IPC (one array at the end).
 *
 * Run with `--expose-gc`; the argument is a JSON {@link ScaleWorkerConfig}.
 */
import type WebSocket from 'ws';
import { ZoomWsClient } from '../src/index.js';
import { BareKeepAlive, BENCH_CREDENTIALS, bareFetchToken, bareUrl, openBareAndWait } from './bare.js';
import { nowMs, sleep } from './clock.js';

export interface ScaleWorkerConfig {
  variant: 'client' | 'bare';
  /** Connection counts to measure at, ascending. */
  stages: number[];
  /** One per server port; connection i uses index i % length. */
  oauthUrls: string[];
  wsUrls: string[];
  prefix: string;
  concurrency: number;
  heartbeatMs: number;
  settleMs: number;
  idleMs: number;
}

export interface ScaleWorkerResult {
  variant: 'client' | 'bare';
  count: number;
  open: number;
  failures: number;
  openMs: number;
  heapPerConnKB: number;
  rssPerConnKB: number;
  heapTotalPerConnKB: number;
  cpuMsPerS: number;
  firstError?: string;
}

/** The default heartbeatTimeout of the client; the bare keep-alive uses the same. */
const HEARTBEAT_TIMEOUT = 15_000;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run the scale worker with --expose-gc');
  collect();
  collect();
}

interface Handle {
  isOpen(): boolean;
}

async function openClient(config: ScaleWorkerConfig, index: number): Promise<Handle> {
  const client = new ZoomWsClient({
    ...BENCH_CREDENTIALS,
    subscriptionId: `${config.prefix}-${index}`,
    oauthUrl: config.oauthUrls[index % config.oauthUrls.length]!,
    wsUrl: config.wsUrls[index % config.wsUrls.length]!,
    heartbeatInterval: config.heartbeatMs,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
  });
  await client.start();
  return { isOpen: () => client.state === 'open' };
}

async function openBareSocket(config: ScaleWorkerConfig, index: number): Promise<Handle> {
  const { token } = await bareFetchToken(config.oauthUrls[index % config.oauthUrls.length]!);
  let keepAlive: BareKeepAlive | undefined;
  let dead = false;
  const ws: WebSocket = await openBareAndWait(bareUrl(config.wsUrls[index % config.wsUrls.length]!, `${config.prefix}-${index}`, token), {
    onFrame: () => keepAlive?.frame(),
  });
  keepAlive = new BareKeepAlive(ws, config.heartbeatMs, HEARTBEAT_TIMEOUT, () => {
    dead = true;
  });
  return { isOpen: () => !dead && ws.readyState === 1 };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as ScaleWorkerConfig;
  const open = config.variant === 'client' ? openClient : openBareSocket;
  gc();
  const before = process.memoryUsage();

  const handles: Handle[] = [];
  const results: ScaleWorkerResult[] = [];
  let failures = 0;
  let firstError: string | undefined;
  let next = 0;
  let openMs = 0;
  for (const count of config.stages) {
    const started = nowMs();
    // At most `concurrency` connections in progress: 10,000 simultaneous token requests would need 10,000 more sockets.
    const lane = async (): Promise<void> => {
      while (next < count) {
        const index = next++;
        try {
          handles.push(await open(config, index));
        } catch (error) {
          failures++;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    };
    await Promise.all(Array.from({ length: config.concurrency }, lane));
    // Time spent opening, all stages so far (not the measuring pauses between them).
    openMs += nowMs() - started;

    await sleep(config.settleMs);
    const cpuStart = process.cpuUsage();
    const idleStart = nowMs();
    await sleep(config.idleMs);
    const cpu = process.cpuUsage(cpuStart);
    const idleMs = nowMs() - idleStart;
    gc();
    const after = process.memoryUsage();
    results.push({
      variant: config.variant,
      count,
      open: handles.filter((handle) => handle.isOpen()).length,
      failures,
      openMs,
      heapPerConnKB: (after.heapUsed - before.heapUsed) / count / 1024,
      rssPerConnKB: (after.rss - before.rss) / count / 1024,
      heapTotalPerConnKB: (after.heapTotal - before.heapTotal) / count / 1024,
      cpuMsPerS: (cpu.user + cpu.system) / 1000 / (idleMs / 1000),
      ...(firstError === undefined ? {} : { firstError }),
    });
  }
  process.send?.(results, () => process.exit(0));
}

void main();
