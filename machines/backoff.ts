/**
 * Delay before reconnect attempt `attempt` (1-based): `d = min(max, initial · 2^(attempt-1))`, jittered
 * into `[d/2, d)`. The jitter spreads clients that lost Zoom at the same moment, while the floor `d/2` still
 * grows with every attempt, so a later delay can never fall below an earlier one's floor.
 *
 * @param random a number in `[0, 1)`; injected so tests are deterministic.
 */
export function backoffDelay(attempt: number, initial: number, max: number, random: number): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^exponent overflows to Infinity for huge attempts; min() keeps the cap.
  const ceiling = Math.min(max, initial * 2 ** exponent);
  return Math.round(ceiling / 2 + random * (ceiling / 2));
}
