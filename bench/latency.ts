/**
 * 2. Per-event latency at a steady rate: the server stamps each frame with the shared monotonic clock just
 *    before sending it; the subscriber takes the difference on arrival.
 *
 *    The client and the baseline are connected at the same time and share one paced stream that alternates
 *    between them every `slotMs` (A B A B …, see the server's `pair` mode): both see the same machine at the
 *    same moments, which matters for p99 on a shared 2-core box where another process can steal a core for a
 *    few ms. A round is a window of `windowMs`; its p50/p99 are computed per side, and the client's added
 *    latency is the median over rounds of (client percentile − baseline percentile) of the same round.
 */
import WebSocket from 'ws';
import { closeBare, bareFetchToken, bareUrl, openBareAndWait } from './bare.js';
import { nowUs, sleep } from './clock.js';
import { benchClient, benchSubscription, collectGarbage, rowFrom, type Row } from './harness.js';
import { EVENT_NAMES, sentUsOf, type PayloadSize } from './payloads.js';
import type { BenchServer } from './server-control.js';
import { median, quantile } from './stats.js';

export interface LatencyConfig {
  rounds: number;
  rate: number;
  /** Length of one A or B slot of the alternating stream. */
  slotMs: number;
  warmupMs: number;
  windowMs: number;
}

interface Percentiles {
  p50: number;
  p99: number;
  samples: number;
}

/**
 * When `ws` started emitting the frame being handled (performance.now() ms): every WebSocket's `emit` is wrapped
 * for the duration of this benchmark. The client's path from there to the subscriber is synchronous (socket
 * actor → decode → duplicate filter → dispatch), as is the baseline's, so the difference is pure processing.
 */
let messageEmittedAt = 0;

function instrumentWebSocket(): () => void {
  const prototype = WebSocket.prototype as unknown as { emit: (name: string | symbol, ...args: unknown[]) => boolean };
  const original = prototype.emit;
  prototype.emit = function (this: unknown, name: string | symbol, ...args: unknown[]): boolean {
    if (name === 'message') messageEmittedAt = performance.now();
    return original.call(this, name, ...args);
  };
  return () => {
    prototype.emit = original;
  };
}

const percentiles = (samples: number[], scale: number): Percentiles => ({
  p50: quantile(samples, 0.5) / scale,
  p99: quantile(samples, 0.99) / scale,
  samples: samples.length,
});

class Recorder {
  #samples: number[] = [];
  #processing: number[] = [];
  recording = false;
  readonly handler = (event: { payload: unknown }): void => {
    if (!this.recording) return;
    this.#processing.push(performance.now() - messageEmittedAt);
    this.#samples.push(nowUs() - sentUsOf(event));
  };

  /** Percentiles (ms) of the samples since the last call: end to end, and in-process only. */
  take(): { endToEnd: Percentiles; processing: Percentiles } {
    const result = { endToEnd: percentiles(this.#samples, 1000), processing: percentiles(this.#processing, 1) };
    this.#samples = [];
    this.#processing = [];
    return result;
  }
}

let pairCounter = 0;

export async function latency(server: BenchServer, config: LatencyConfig, size: PayloadSize = 'small'): Promise<Row[]> {
  const name = EVENT_NAMES[size];
  const pair = `lat-${++pairCounter}`;
  const url = (side: 'a' | 'b'): string => server.wsUrl({ mode: 'paced', size, rate: config.rate, pair, side, slot: config.slotMs });

  // Start from a clean heap (the throughput rows leave a lot behind), so that no major GC is owed at the start.
  collectGarbage();
  const restore = instrumentWebSocket();
  const clientRecorder = new Recorder();
  const bareRecorder = new Recorder();
  const client = benchClient({ oauthUrl: server.oauthUrl(), wsUrl: url('a') });
  client.on(name, clientRecorder.handler);
  await client.start();
  const { token } = await bareFetchToken(server.oauthUrl());
  const ws = await openBareAndWait(bareUrl(url('b'), benchSubscription(), token), { onEvent: bareRecorder.handler });

  await sleep(config.warmupMs);
  const clientRounds: Percentiles[] = [];
  const bareRounds: Percentiles[] = [];
  const clientProcessing: Percentiles[] = [];
  const bareProcessing: Percentiles[] = [];
  for (let round = 0; round < config.rounds; round++) {
    // No forced GC here: the stream never pauses, and a full GC would land in one side's slot.
    clientRecorder.recording = true;
    bareRecorder.recording = true;
    await sleep(config.windowMs);
    clientRecorder.recording = false;
    bareRecorder.recording = false;
    const clientTaken = clientRecorder.take();
    const bareTaken = bareRecorder.take();
    clientRounds.push(clientTaken.endToEnd);
    bareRounds.push(bareTaken.endToEnd);
    clientProcessing.push(clientTaken.processing);
    bareProcessing.push(bareTaken.processing);
  }
  await client.stop();
  await closeBare(ws);
  restore();

  const rowFor = (
    what: string,
    key: 'p50' | 'p99',
    rounds: { client: Percentiles[]; bare: Percentiles[] },
    target: string,
    limitMs: number | null,
  ): Row => {
    const added = rounds.client.map((result, index) => result[key] - rounds.bare[index]![key]);
    const overhead = median(added);
    const row = rowFrom(
      { name: `${what} ${key} at ${config.rate.toLocaleString('en-US')} events/s (${size})`, unit: 'ms', target },
      { value: rounds.client.map((result) => result[key]), baseline: rounds.bare.map((result) => result[key]) },
      () => (limitMs === null ? null : overhead < limitMs),
    );
    row.added = overhead;
    row.note =
      `added ${overhead.toFixed(4)} ms (median of per-round differences: ${added.map((value) => value.toFixed(4)).join(', ')}); ` +
      `~${Math.round(median(rounds.client.map((r) => r.samples)))} samples per side and round, ${config.slotMs} ms A/B slots`;
    return row;
  };

  const endToEnd = { client: clientRounds, bare: bareRounds };
  const processing = { client: clientProcessing, bare: bareProcessing };
  const inProcess = 'in-process part (ws message → subscriber),';
  return [
    rowFor('latency', 'p50', endToEnd, 'reported (no target)', null),
    rowFor('latency', 'p99', endToEnd, 'added < 0.2 ms', 0.2),
    rowFor(inProcess, 'p50', processing, 'reported (no target)', null),
    rowFor(inProcess, 'p99', processing, 'reported (no target)', null),
  ];
}
