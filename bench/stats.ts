/** Small statistics helpers: medians of rounds, percentiles of samples, spreads. */
import { mulberry32 } from '../src/simulator/random.js';

export function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Linear-interpolated quantile of `values` (q in [0, 1]); NaN for an empty list. */
export function quantile(values: readonly number[] | Float64Array, q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = values instanceof Float64Array ? Float64Array.from(values).sort() : sorted(values);
  const position = (s.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = s[low]!;
  const b = s[high]!;
  return a + (b - a) * (position - low);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function min(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.min(...values);
}

export function max(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.max(...values);
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Half the min–max range as a percentage of the median: `±x %`. */
export function relativeSpread(values: readonly number[]): number {
  const m = median(values);
  if (!Number.isFinite(m) || m === 0) return Number.NaN;
  return ((max(values) - min(values)) / 2 / Math.abs(m)) * 100;
}

/** Interquartile range as `[q1, q3]`. */
export function quartiles(values: readonly number[]): [number, number] {
  return [quantile(values, 0.25), quantile(values, 0.75)];
}

/** A small seeded PRNG (mulberry32): a bootstrap interval that is reproducible for the same samples. */
export const seededRandom = mulberry32;

/**
 * Paired block bootstrap of `statistic(a) − statistic(b)`: `blocks[i]` holds both sides' samples of the same
 * stretch of time, and each resample draws whole blocks (with replacement) for both sides at once, so that the
 * interval keeps the correlation of samples within a block and the pairing of the sides. Returns the
 * `(1 − level) / 2` and `(1 + level) / 2` quantiles of the resampled differences.
 */
export function pairedBlockBootstrap(
  blocks: readonly { a: Float64Array; b: Float64Array }[],
  statistic: (samples: Float64Array) => number,
  options: { resamples: number; level: number; seed: number },
): [number, number] {
  const random = seededRandom(options.seed);
  const differences: number[] = [];
  // Resampled sides vary a little in length (blocks differ in size): allocate for the largest possible draw.
  const longestA = Math.max(...blocks.map((block) => block.a.length));
  const longestB = Math.max(...blocks.map((block) => block.b.length));
  const bufferA = new Float64Array(longestA * blocks.length);
  const bufferB = new Float64Array(longestB * blocks.length);
  for (let resample = 0; resample < options.resamples; resample++) {
    let lengthA = 0;
    let lengthB = 0;
    for (let draw = 0; draw < blocks.length; draw++) {
      const block = blocks[Math.floor(random() * blocks.length)]!;
      bufferA.set(block.a, lengthA);
      lengthA += block.a.length;
      bufferB.set(block.b, lengthB);
      lengthB += block.b.length;
    }
    differences.push(statistic(bufferA.subarray(0, lengthA)) - statistic(bufferB.subarray(0, lengthB)));
  }
  return [quantile(differences, (1 - options.level) / 2), quantile(differences, (1 + options.level) / 2)];
}

/**
 * {@link quantile} without a sort (Hoare's selection, O(n) on average): the same value, but it reorders `values`
 * in place. For the bootstrap, which takes thousands of quantiles of scratch buffers.
 */
export function quantileInPlace(values: Float64Array, q: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const position = (n - 1) * q;
  const low = Math.floor(position);
  const a = select(values, low);
  if (position === low) return a;
  // After selecting `low`, everything to its right is ≥ it: the next order statistic is their minimum.
  let b = Number.POSITIVE_INFINITY;
  for (let index = low + 1; index < n; index++) if (values[index]! < b) b = values[index]!;
  return a + (b - a) * (position - low);
}

/** Moves the k-th smallest value to index k (smaller ones before, larger ones after) and returns it. */
function select(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (right > left) {
    const pivot = values[(left + right) >> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k]!;
}
