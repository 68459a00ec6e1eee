/** A minimal typed event emitter for the simulator's test hooks. */
export class HookEmitter<TMap> {
  private readonly listeners = new Map<keyof TMap, Set<(info: never) => void>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof TMap>(hook: K, listener: (info: TMap[K]) => void): () => void {
    let set = this.listeners.get(hook);
    if (!set) {
      set = new Set();
      this.listeners.set(hook, set);
    }
    set.add(listener as (info: never) => void);
    return () => {
      set.delete(listener as (info: never) => void);
    };
  }

  /**
   * Calls every listener of `hook`. A throwing listener is a bug in the test, not in the simulator: it is
   * rethrown on a fresh stack (so test runners report it) while the simulator carries on undisturbed.
   */
  emit<K extends keyof TMap>(hook: K, info: TMap[K]): void {
    const set = this.listeners.get(hook);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (info: TMap[K]) => void)(info);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
