import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface CliRun {
  child: ChildProcess;
  stdoutLines(): string[];
  stdout(): string;
  stderr(): string;
  /** Resolves when `predicate` holds for the output so far. */
  waitFor(predicate: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the built CLI with only the given ZOOM_* variables (none inherited from the test's environment). */
export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ZOOM_')));
  const child = spawn(process.execPath, ['--unhandled-rejections=strict', CLI, ...args], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((waiter) => waiter());
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk;
    notify();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk;
    notify();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal });
      notify();
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    stdoutLines: () => out.split('\n').filter((line) => line !== ''),
    exit,
    waitFor(predicate, what, timeoutMs = 5_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!predicate()) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}\nstdout: ${out}\nstderr: ${err}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
