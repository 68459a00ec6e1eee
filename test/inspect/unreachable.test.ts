import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/unreachable-inspector.mjs', import.meta.url));
const EXIT_WITHIN_MS = 6_000;

/** Runs the fixture; resolves with its exit code, stdout and run time, or kills it after EXIT_WITHIN_MS. */
function run(mode: string, url: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--unhandled-rejections=strict', FIXTURE, mode, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), EXIT_WITHIN_MS);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

describe('an unreachable inspector URL never keeps the process alive', () => {
  let refusedUrl: string;
  let hangingUrl: string;
  let hanging: net.Server;
  const held = new Set<net.Socket>();

  beforeAll(async () => {
    // A port that was just free: connections are refused.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    refusedUrl = `ws://127.0.0.1:${(probe.address() as net.AddressInfo).port}/inspect`;
    await new Promise((resolve) => probe.close(resolve));
    // A server that accepts TCP and never answers the WebSocket handshake.
    hanging = net.createServer((socket) => {
      held.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    hangingUrl = `ws://127.0.0.1:${(hanging.address() as net.AddressInfo).port}/inspect`;
  });

  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => hanging.close(resolve));
  });

  it.each([
    ['refused', () => refusedUrl],
    ['hanging', () => hangingUrl],
  ])('a client inspecting a %s URL stops promptly and its process exits by itself', async (_, url) => {
    const result = await run('client', url());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const stopMs = Number(/stopped in closed after (\d+) ms/.exec(result.stdout)?.[1]);
    // stop() waits for a connecting inspector at most its flush timeout (1 s), never for the handshake timeout.
    expect(stopMs).toBeLessThan(1_500);
  });

  it.each([
    ['refused', () => refusedUrl],
    ['hanging', () => hangingUrl],
  ])('an inspector that is never stopped, towards a %s URL, lets the process exit', async (_, url) => {
    const result = await run('inspector', url());
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('actor done; inspector left running\n');
    expect(result.code).toBe(0);
    // Not held up by the 2 s retry timer or the 5 s handshake timeout.
    expect(result.ms).toBeLessThan(EXIT_WITHIN_MS - 1_000);
  });
});
