/** What every benchmark shares: result rows, A/B interleaving, a client factory. */
import { ZoomWsClient, type ZoomWsClientOptions } from '../src/index.js';
import { BENCH_CREDENTIALS } from './bare.js';
import { max, median, min } from './stats.js';

/** One line of the table / one element of `results.json`. Values are medians over rounds. */
export interface Row {
  name: string;
  unit: string;
  /** ZoomWsClient, median over rounds. */
  value: number;
  /** Bare `ws` baseline, median over rounds (`null` where no baseline applies). */
  baseline: number | null;
  /** value / baseline (`null` when the baseline is 0 or missing). */
  ratio: number | null;
  target: string;
  /** `null` when the row is reported without a target. */
  met: boolean | null;
  /** Rounds measured for each side. */
  rounds: number;
  /** min and max over rounds, per side. */
  spread: { value: [number, number]; baseline: [number, number] | null };
  /** Per-round values, per side, in the order measured. */
  samples: { value: number[]; baseline: number[] };
  /** Latency rows: the client's percentile minus the baseline's, of all rounds' samples pooled per side. */
  added?: number;
  /** Latency rows: a 95 % interval of `added` (paired block bootstrap). */
  addedInterval?: [number, number];
  note?: string;
}

export interface Sides {
  value: number[];
  baseline: number[];
}

/**
 * Runs `a` (client) and `b` (baseline) alternately — A B A B … — `rounds` times each, after one unrecorded
 * warm-up pair, so that drift (JIT, GC, other load on the machine) hits both sides alike.
 */
export async function interleaved(rounds: number, a: (round: number) => Promise<number>, b: (round: number) => Promise<number>, warmup = true): Promise<Sides> {
  if (warmup) {
    await a(-1);
    await b(-1);
  }
  const sides: Sides = { value: [], baseline: [] };
  for (let round = 0; round < rounds; round++) {
    sides.value.push(await a(round));
    sides.baseline.push(await b(round));
  }
  return sides;
}

export function ratioOf(value: number, baseline: number | null): number | null {
  if (baseline === null || baseline === 0 || !Number.isFinite(baseline)) return null;
  return value / baseline;
}

/** A row from per-round values; `met` decides from the row's medians (and anything else it closes over). */
export function rowFrom(
  fields: { name: string; unit: string; target: string; note?: string },
  sides: Sides,
  met: (row: { value: number; baseline: number; ratio: number | null }) => boolean | null,
  aggregate: (values: number[]) => number = median,
): Row {
  const value = aggregate(sides.value);
  const baseline = sides.baseline.length > 0 ? aggregate(sides.baseline) : null;
  const ratio = ratioOf(value, baseline);
  return {
    // The field order of results.json: name, unit, value, baseline, ratio, target, met, rounds, then details.
    name: fields.name,
    unit: fields.unit,
    value,
    baseline,
    ratio,
    target: fields.target,
    met: met({ value, baseline: baseline ?? Number.NaN, ratio }),
    rounds: sides.value.length,
    ...(fields.note === undefined ? {} : { note: fields.note }),
    spread: {
      value: [min(sides.value), max(sides.value)],
      baseline: sides.baseline.length > 0 ? [min(sides.baseline), max(sides.baseline)] : null,
    },
    samples: { value: sides.value, baseline: sides.baseline },
  };
}

let clientCounter = 0;

/** A client for the bench server (or any endpoint given in `options`), silent, default timings unless overridden. */
export function benchClient(options: Partial<ZoomWsClientOptions> & { oauthUrl: string; wsUrl: string }): ZoomWsClient {
  return new ZoomWsClient({
    ...BENCH_CREDENTIALS,
    subscriptionId: `bench-sub-${process.pid}-${++clientCounter}`,
    ...options,
  });
}

let subCounter = 0;

/** A fresh subscription id for a baseline socket. */
export function benchSubscription(): string {
  return `bare-sub-${process.pid}-${++subCounter}`;
}

/** Resolves on the next transition of `client` into `state`, with the time (µs) it happened. */
export function nextState(client: ZoomWsClient, state: string, clock: () => number): Promise<number> {
  return new Promise((resolve) => {
    const off = client.onStateChange(({ to }) => {
      if (to !== state) return;
      off();
      resolve(clock());
    });
  });
}

/** Collects garbage between rounds when the process runs with `--expose-gc`, so that a round seldom pays for the previous one. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
