import { signWebhook } from './signing.js';

/** Retry settings of one delivery. */
export interface RetryPolicy {
  /** Attempts in all, the first included. Default 5. */
  maxAttempts: number;
  /** First backoff, ms; doubled per attempt with full jitter. Default 500. */
  initialDelay: number;
  /** Longest wait between attempts (also caps `Retry-After`), ms. Default 30000. */
  maxDelay: number;
  /** One request's timeout, ms. Default 10000. */
  timeout: number;
}

export const RETRY_DEFAULTS: RetryPolicy = { maxAttempts: 5, initialDelay: 500, maxDelay: 30_000, timeout: 10_000 };

/** How one event's delivery ended. `status` is the last HTTP status, or 0 after a network error or timeout. */
export interface DeliveryOutcome {
  ok: boolean;
  status: number;
  attempts: number;
  ms: number;
  /** A 4xx other than 408/429: retrying cannot help. */
  final: boolean;
}

/** 408, 429 and 5xx may pass; other statuses are an answer. */
export function isRetryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/** `Retry-After` in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * POSTs `raw` (the inner event JSON) to `to`, signed as Zoom signs a webhook (re-signed per attempt, so the
 * timestamp is fresh), retrying network errors, timeouts, 408, 429 (waiting at least `Retry-After`) and 5xx
 * with exponential backoff and full jitter. Only the given headers are sent: never Zoom credentials.
 */
export async function deliver(to: string, secretToken: string, raw: string, headers: Record<string, string>, policy: RetryPolicy, signal?: AbortSignal): Promise<DeliveryOutcome> {
  const started = performance.now();
  let status = 0;
  for (let attempt = 1; ; attempt++) {
    const signed = signWebhook(secretToken, raw);
    let wait: number | undefined;
    // One controller per attempt, its timer cleared with the answer: AbortSignal.timeout() + any() cost two
    // signals per attempt and left a timer pending for the whole timeout after every quick 2xx.
    const attemptAbort = new AbortController();
    const abort = () => attemptAbort.abort();
    const timer = setTimeout(abort, policy.timeout);
    signal?.addEventListener('abort', abort, { once: true });
    if (signal?.aborted) abort();
    try {
      const response = await fetch(to, {
        method: 'POST',
        body: signed.body,
        headers: { ...headers, ...signed.headers },
        signal: attemptAbort.signal,
        redirect: 'manual',
      });
      status = response.status;
      wait = retryAfterMs(response.headers.get('retry-after'));
      await response.body?.cancel();
    } catch {
      status = 0;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    }
    const ms = performance.now() - started;
    if (status >= 200 && status < 300) return { ok: true, status, attempts: attempt, ms, final: false };
    if (!isRetryable(status)) return { ok: false, status, attempts: attempt, ms, final: true };
    if (attempt >= policy.maxAttempts || signal?.aborted) return { ok: false, status, attempts: attempt, ms, final: false };
    const backoff = Math.random() * Math.min(policy.maxDelay, policy.initialDelay * 2 ** (attempt - 1));
    await sleep(Math.min(policy.maxDelay, Math.max(backoff, wait ?? 0)), signal);
  }
}

/** A backoff wait that ends early when `signal` aborts, so stopping a forwarder never waits out a `Retry-After`. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
