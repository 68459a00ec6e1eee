import { ZoomWsConfigError } from '../errors.js';
import type { ZoomEvent } from '../protocol/events.js';

export type EventHandler<TEvent = ZoomEvent> = (event: TEvent) => void | Promise<void>;

// `meeting.*`, `phone.callee.*`: a dotted prefix, then `.*`; no other wildcard.
const PREFIX_PATTERN = /^([^*]+)\.\*$/;

/**
 * Calls handlers per event name, then per prefix (`meeting.*`), then catch-all handlers, in registration order. A handler that throws or
 * rejects is reported to `onHandlerError` and does not stop the others or the connection.
 */
export class EventDispatcher {
  readonly #byName = new Map<string, Set<EventHandler<never>>>();
  /** Keyed by the prefix with its dot (`meeting.`). */
  readonly #byPrefix = new Map<string, Set<EventHandler<never>>>();
  readonly #any = new Set<EventHandler>();
  readonly #onHandlerError: (error: unknown, event: ZoomEvent) => void;
  readonly #onRunning: ((running: Promise<unknown>, event: ZoomEvent) => void) | undefined;

  /** `onRunning` is told about each handler that returned a promise (so that `stop()` can wait for it). */
  constructor(onHandlerError: (error: unknown, event: ZoomEvent) => void, onRunning?: (running: Promise<unknown>, event: ZoomEvent) => void) {
    this.#onHandlerError = onHandlerError;
    this.#onRunning = onRunning;
  }

  /** `name` is an event name or a prefix pattern `meeting.*`; any other `*` is a {@link ZoomWsConfigError}. */
  on(name: string, handler: EventHandler<never>): () => void {
    if (!name.includes('*')) return subscribe(this.#byName, name, handler);
    const prefix = PREFIX_PATTERN.exec(name)?.[1];
    if (prefix === undefined) throw new ZoomWsConfigError('on', `unsupported pattern "${name.slice(0, 80)}": use an event name, "prefix.*" or "*"`);
    return subscribe(this.#byPrefix, `${prefix}.`, handler);
  }

  onAny(handler: EventHandler): () => void {
    this.#any.add(handler);
    return () => this.#any.delete(handler);
  }

  dispatch(event: ZoomEvent): void {
    const named = this.#byName.get(event.event);
    if (named) for (const handler of named) this.#call(handler as EventHandler, event);
    if (this.#byPrefix.size > 0) {
      for (const [prefix, handlers] of this.#byPrefix) {
        if (event.event.startsWith(prefix)) for (const handler of handlers) this.#call(handler as EventHandler, event);
      }
    }
    for (const handler of this.#any) this.#call(handler, event);
  }

  #call(handler: EventHandler, event: ZoomEvent): void {
    try {
      const result = handler(event);
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        const running = (result as Promise<void>).then(undefined, (error: unknown) => this.#onHandlerError(error, event));
        this.#onRunning?.(running, event);
      }
    } catch (error) {
      this.#onHandlerError(error, event);
    }
  }
}

function subscribe(map: Map<string, Set<EventHandler<never>>>, key: string, handler: EventHandler<never>): () => void {
  let handlers = map.get(key);
  if (!handlers) {
    handlers = new Set();
    map.set(key, handlers);
  }
  handlers.add(handler);
  return () => {
    handlers.delete(handler);
    if (handlers.size === 0 && map.get(key) === handlers) map.delete(key);
  };
}
