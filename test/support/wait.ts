/**
 * Waiting without sleeping, and handle accounting. Everything here uses `setImmediate` and
 * `performance.now()`, which vitest's fake timers leave alone when tests fake only `setTimeout`,
 * `setInterval` and `Date` — so these helpers work the same with real and with fake timers.
 */

/** Yields to the event loop once (I/O callbacks run). */
export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Resolves once `check` returns `undefined` (no problem left); rejects with the last problem after
 * `timeoutMs` of real time. `check` is re-evaluated after each event-loop turn, so it observes I/O.
 */
export async function eventually(check: () => string | undefined, what: string, timeoutMs = 3_000): Promise<void> {
  const started = performance.now();
  for (;;) {
    let problem: string | undefined;
    try {
      problem = check();
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    if (problem === undefined) return;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}: ${problem}`);
    await turn();
  }
}

/**
 * Resolves with the first value `probe` gives that is not `undefined` (an async check, e.g. reading Redis), polling
 * every 20 ms; rejects naming `what` after `timeoutMs` of real time.
 */
export async function eventuallyValue<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 3_000): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Handles that would keep a process alive: sockets, servers, timers, pipes. */
export function liveHandles(): string[] {
  return process.getActiveResourcesInfo().filter((name) => /TCP|Timeout|Pipe|Immediate/.test(name)).sort();
}

/** Handles present now that were not there at `baseline` (multiset difference). */
export function addedHandles(baseline: readonly string[], now: readonly string[] = liveHandles()): string[] {
  const left = [...baseline];
  return now.filter((name) => {
    const index = left.indexOf(name);
    if (index === -1) return true;
    left.splice(index, 1);
    return false;
  });
}

/** Waits (briefly: a closed socket is released on a later turn) until nothing is left over the baseline. */
export async function leakedHandles(baseline: readonly string[], timeoutMs = 1_500): Promise<string[]> {
  const started = performance.now();
  let leaked = addedHandles(baseline);
  while (leaked.length > 0 && performance.now() - started < timeoutMs) {
    await turn();
    leaked = addedHandles(baseline);
  }
  return leaked;
}

interface HandleLike {
  constructor: { name: string };
  localPort?: number;
}

/** The process's active handles (sockets, servers, pipes…) as objects. */
function activeHandles(): HandleLike[] {
  return (process as unknown as { _getActiveHandles(): HandleLike[] })._getActiveHandles();
}

/** What {@link clientLeaks} compares against: taken once the test's servers are up, before the client runs. */
export interface HandleBaseline {
  handles: Set<HandleLike>;
  timers: number;
}

export function handleBaseline(): HandleBaseline {
  return { handles: new Set(activeHandles()), timers: timerCount() };
}

function timerCount(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
}

/**
 * Handles added since `baseline` on the client's side of the wire: sockets whose local port is one of
 * `serverPorts` are the far end (the simulator's or a gate's), whose lifetime is the server's business —
 * Node's global fetch, for one, may keep an idle unref'd connection to the token endpoint for a while.
 * Timers are counted as well.
 */
export function clientLeaks(baseline: HandleBaseline, serverPorts: readonly number[]): string[] {
  const leaks = activeHandles()
    .filter((handle) => !baseline.handles.has(handle))
    .filter((handle) => handle.localPort === undefined || !serverPorts.includes(handle.localPort))
    .map((handle) => `${handle.constructor.name}${handle.localPort ? `:${handle.localPort}` : ''}`);
  const timers = timerCount() - baseline.timers;
  if (timers > 0) leaks.push(`${timers} × Timeout`);
  return leaks;
}
