/** Raised when an open connection delivered no event for `maxEventSilence`. */
export interface StaleNotice {
  /** How long nothing arrived, in ms. */
  silentForMs: number;
  /** Epoch ms of the last event, or `undefined` if none arrived since the connection opened. */
  lastEventAt: number | undefined;
  /** The client is dropping the connection to reconnect (`reconnectOnSilence`). */
  reconnecting: boolean;
}

/**
 * One unref'd timer while open. Events do not touch it (the hot path only records `lastEventAt`): when it
 * fires it re-arms for whatever is left of the silence window, or reports the silence and starts a new window.
 */
export class SilenceWatchdog {
  readonly #maxSilence: number;
  readonly #lastEventAt: () => number | undefined;
  readonly #onSilent: (silentForMs: number) => void;
  #timer: NodeJS.Timeout | undefined;
  #windowStart = 0;

  constructor(maxSilence: number, lastEventAt: () => number | undefined, onSilent: (silentForMs: number) => void) {
    this.#maxSilence = maxSilence;
    this.#lastEventAt = lastEventAt;
    this.#onSilent = onSilent;
  }

  opened(): void {
    this.#windowStart = Date.now();
    this.#arm(this.#maxSilence);
  }

  closed(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#check(), ms);
    this.#timer.unref();
  }

  #check(): void {
    const now = Date.now();
    const since = Math.max(this.#windowStart, this.#lastEventAt() ?? 0);
    const silent = now - since;
    if (silent < this.#maxSilence) {
      this.#arm(this.#maxSilence - silent);
      return;
    }
    this.#windowStart = now;
    this.#arm(this.#maxSilence);
    this.#onSilent(silent);
  }
}
