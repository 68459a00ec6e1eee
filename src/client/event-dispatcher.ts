import type { ZoomEvent } from '../protocol/events.js';

export type EventHandler<TEvent = ZoomEvent> = (event: TEvent) => void | Promise<void>;

/**
 * Calls handlers per event name, then catch-all handlers, in registration order. A handler that throws or
 * rejects is reported to `onHandlerError` and does not stop the others or the connection.
 */
export class EventDispatcher {
  readonly #byName = new Map<string, Set<EventHandler<never>>>();
  readonly #any = new Set<EventHandler>();
  readonly #onHandlerError: (error: unknown, event: ZoomEvent) => void;
  readonly #onRunning: ((running: Promise<unknown>, event: ZoomEvent) => void) | undefined;

  /** `onRunning` is told about each handler that returned a promise (so that `stop()` can wait for it). */
  constructor(onHandlerError: (error: unknown, event: ZoomEvent) => void, onRunning?: (running: Promise<unknown>, event: ZoomEvent) => void) {
    this.#onHandlerError = onHandlerError;
    this.#onRunning = onRunning;
  }

  on(name: string, handler: EventHandler<never>): () => void {
    let handlers = this.#byName.get(name);
    if (!handlers) {
      handlers = new Set();
      this.#byName.set(name, handlers);
    }
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0 && this.#byName.get(name) === handlers) this.#byName.delete(name);
    };
  }

  onAny(handler: EventHandler): () => void {
    this.#any.add(handler);
    return () => this.#any.delete(handler);
  }

  dispatch(event: ZoomEvent): void {
    const named = this.#byName.get(event.event);
    if (named) for (const handler of named) this.#call(handler as EventHandler, event);
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
