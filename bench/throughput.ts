/**
 * 1. Event throughput: events/s reaching a subscriber while the server blasts pre-encoded `message` frames as
 *    fast as the socket takes them. Client: socket actor → decode → validate → duplicate filter → dispatch.
 *    Baseline: bare `ws`, two `JSON.parse` calls and a callback.
 */
import { closeBare, bareFetchToken, bareUrl, openBareAndWait } from './bare.js';
import { nowMs, sleep } from './clock.js';
import { benchClient, benchSubscription, collectGarbage, interleaved, rowFrom, type Row } from './harness.js';
import { benchEvent, EVENT_NAMES, messageFrameText, type PayloadSize } from './payloads.js';
import type { BenchServer } from './server-control.js';
import { median } from './stats.js';

export interface ThroughputConfig {
  rounds: number;
  warmupMs: number;
  windowMs: number;
}

/**
 * Events per second in a window that starts `warmupMs` after the subscription is live. Also records events per
 * CPU-second of this process over the same window: unlike wall time, that does not drop when another process
 * takes the core for a while (the machine is shared), so it backs the wall-clock ratio up.
 */
async function measureWindow(count: () => number, config: ThroughputConfig, perCpuSecond: number[]): Promise<number> {
  await sleep(config.warmupMs);
  const c0 = count();
  const t0 = nowMs();
  const cpu0 = process.cpuUsage();
  await sleep(config.windowMs);
  const c1 = count();
  const t1 = nowMs();
  const cpu = process.cpuUsage(cpu0);
  perCpuSecond.push((c1 - c0) / ((cpu.user + cpu.system) / 1e6));
  return ((c1 - c0) / (t1 - t0)) * 1000;
}

export async function throughput(server: BenchServer, size: PayloadSize, config: ThroughputConfig): Promise<Row> {
  const name = EVENT_NAMES[size];
  const wsUrl = server.wsUrl({ mode: 'blast', size });
  const cpuRate = { client: [] as number[], bare: [] as number[] };

  const clientRound = async (round: number): Promise<number> => {
    collectGarbage();
    let count = 0;
    const client = benchClient({ oauthUrl: server.oauthUrl(), wsUrl });
    client.on(name, () => {
      count++;
    });
    await client.start();
    const rate = await measureWindow(() => count, config, round >= 0 ? cpuRate.client : []);
    await client.stop();
    return rate;
  };

  const bareRound = async (round: number): Promise<number> => {
    collectGarbage();
    let count = 0;
    const { token } = await bareFetchToken(server.oauthUrl());
    const handler = (event: { event: string }): void => {
      if (event.event === name) count++;
    };
    const ws = await openBareAndWait(bareUrl(wsUrl, benchSubscription(), token), { onEvent: handler });
    const rate = await measureWindow(() => count, config, round >= 0 ? cpuRate.bare : []);
    await closeBare(ws);
    return rate;
  };

  const sides = await interleaved(config.rounds, clientRound, bareRound);
  const frameBytes = Buffer.byteLength(messageFrameText(benchEvent(size, 0)));
  const perCpu = { client: median(cpuRate.client), bare: median(cpuRate.bare) };
  return rowFrom(
    {
      name: `throughput, ${size} (${name}, ${(frameBytes / 1024).toFixed(1)} KB frame)`,
      unit: 'events/s',
      target: 'ratio ≥ 0.90',
      note:
        `per CPU-second of the receiving process: client ${Math.round(perCpu.client).toLocaleString('en-US')}, ` +
        `bare ${Math.round(perCpu.bare).toLocaleString('en-US')}, ratio ${(perCpu.client / perCpu.bare).toFixed(2)}`,
    },
    sides,
    ({ ratio }) => ratio !== null && ratio >= 0.9,
  );
}
