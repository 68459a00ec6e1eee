import { spawn, type ChildProcess } from 'node:child_process';
import { createClient } from 'redis';
import { subscriptionKeys, type SubscriptionKeys } from '../../src/cluster/keys.js';
import { CLI } from './cli.js';

/** Scaled lease timings (1/5 of the defaults), as in the issue's tests. */
export const SCALED = { leaseTtl: 2_000, renewInterval: 400, renewDeadline: 1_300, acquireInterval: 200 } as const;

export const SCALED_FLAGS = [
  '--lease-ttl', String(SCALED.leaseTtl),
  '--renew-interval', String(SCALED.renewInterval),
  '--renew-deadline', String(SCALED.renewDeadline),
  '--acquire-interval', String(SCALED.acquireInterval),
];

/** A `zoom-ws relay` child process. */
export interface Relay {
  readonly id: string;
  readonly child: ChildProcess;
  stdoutLines(): string[];
  stderr(): string;
  /** Monotonic ms (performance.now() of the test) when a stderr line matching `pattern` first appeared. */
  seenAt(pattern: RegExp): number | undefined;
  isLeader(): boolean;
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<number>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

export function startRelay(id: string, env: Record<string, string>, extraArgs: string[] = []): Relay {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ZOOM_')));
  const child = spawn(process.execPath, ['--unhandled-rejections=strict', CLI, 'relay', ...SCALED_FLAGS, '--replica-id', id, ...extraArgs], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const lines: { at: number; text: string }[] = [];
  let partial = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk));
  child.stderr!.on('data', (chunk: Buffer) => {
    const now = performance.now();
    err += chunk;
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const text of parts) lines.push({ at: now, text });
    waiters.forEach((waiter) => waiter());
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
      waiters.forEach((waiter) => waiter());
    });
  });
  const seenAt = (pattern: RegExp) => lines.find((line) => pattern.test(line.text))?.at;
  const roleLines = () => lines.filter((line) => /role (standby|leading) → (standby|leading)/.test(line.text));
  return {
    id,
    child,
    stdoutLines: () => out.split('\n').filter((line) => line !== ''),
    stderr: () => err,
    seenAt,
    isLeader: () => /→ leading/.test(roleLines().at(-1)?.text ?? ''),
    waitFor(pattern, what, timeoutMs = 8_000) {
      return new Promise<number>((resolve, reject) => {
        const check = () => {
          const at = seenAt(pattern);
          if (at === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(at);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${id}: timed out waiting for ${what}\nstderr: ${err}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    exit,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Kills whatever is still running (SIGKILL ends a SIGSTOPped process too). */
export async function killAll(relays: readonly Relay[]): Promise<void> {
  for (const relay of relays) relay.kill('SIGKILL');
  await Promise.all(relays.map((relay) => relay.exit));
}

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

/** Reads the subscription's streams straight from Redis, as any consumer could. */
export async function readStreams(redisUrl: string, subscriptionId: string, prefix = 'zoomws'): Promise<{ events: StreamEntry[]; outages: StreamEntry[]; keys: SubscriptionKeys; lease: string | null }> {
  const keys = subscriptionKeys(prefix, subscriptionId);
  const client = createClient({ url: redisUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const read = async (key: string) => ((await client.xRange(key, '-', '+')) as { id: string; message: Record<string, string> }[]).map(({ id, message }) => ({ id, fields: message }));
    return { events: await read(keys.events), outages: await read(keys.outages), keys, lease: await client.get(keys.lease) };
  } finally {
    client.destroy();
  }
}

/** Resolves once exactly one of `relays` says it leads; returns it. */
export async function waitForOneLeader(relays: readonly Relay[], timeoutMs = 8_000): Promise<Relay> {
  const started = performance.now();
  for (;;) {
    const leaders = relays.filter((relay) => relay.child.exitCode === null && relay.isLeader());
    if (leaders.length === 1) return leaders[0]!;
    if (performance.now() - started > timeoutMs) throw new Error(`expected one leader, found ${leaders.length}:\n${relays.map((r) => `${r.id}: ${r.stderr()}`).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
