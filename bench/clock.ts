/**
 * One clock for every process of a benchmark run: `process.hrtime` reads CLOCK_MONOTONIC, which is shared by
 * all processes of the machine, so a timestamp taken in the server process can be compared with one taken in
 * the client process.
 */

/** Monotonic time in microseconds (integer). */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Monotonic time in milliseconds (fractional). */
export function nowMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The latency stamp written into `payload.object.sent_us`: `STAMP_BASE + nowUs()`, always 16 digits so that the
 * server can overwrite it in a pre-encoded frame without re-serialising (leading zeros are not valid JSON).
 */
export const STAMP_BASE = 1_000_000_000_000_000;
