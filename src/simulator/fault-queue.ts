import type { TokenFailureOptions } from './types.js';

/** What to do with one WebSocket upgrade request instead of accepting it. */
export type UpgradeFault = { readonly kind: 'reject'; readonly status: number } | { readonly kind: 'hang' };

interface Queued<T> {
  remaining: number;
  fault: T;
}

/**
 * Faults that apply to the *next* requests. The endpoints take one fault per request; queues are FIFO, so
 * `rejectUpgrades(1, 503)` then `hangUpgrades(1)` rejects the first upgrade and hangs the second.
 */
export class FaultQueue {
  private readonly tokenFailures: Queued<TokenFailureOptions>[] = [];
  private readonly upgradeFaults: Queued<UpgradeFault>[] = [];
  private readonly refusals: Queued<string>[] = [];
  /** Delay before every token response; `0` when off. */
  tokenDelayMs = 0;

  queueTokenFailures(count: number, how: TokenFailureOptions): void {
    enqueue(this.tokenFailures, count, how);
  }

  queueUpgradeFaults(count: number, fault: UpgradeFault): void {
    enqueue(this.upgradeFaults, count, fault);
  }

  queueRefusals(count: number, content: string): void {
    enqueue(this.refusals, count, content);
  }

  takeTokenFailure(): TokenFailureOptions | undefined {
    return take(this.tokenFailures);
  }

  takeUpgradeFault(): UpgradeFault | undefined {
    return take(this.upgradeFaults);
  }

  takeRefusal(): string | undefined {
    return take(this.refusals);
  }

  clear(): void {
    this.tokenFailures.length = 0;
    this.upgradeFaults.length = 0;
    this.refusals.length = 0;
    this.tokenDelayMs = 0;
  }
}

function enqueue<T>(queue: Queued<T>[], count: number, fault: T): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (count > 0) queue.push({ remaining: count, fault });
}

function take<T>(queue: Queued<T>[]): T | undefined {
  const head = queue[0];
  if (!head) return undefined;
  head.remaining -= 1;
  if (head.remaining === 0) queue.shift();
  return head.fault;
}
