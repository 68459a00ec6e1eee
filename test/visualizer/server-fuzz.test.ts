import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../support/cli.js';

/**
 * The visualizer server in its own process (the built CLI), fed raw request lines and upgrades. A crash is
 * then the child exiting, not an error inside the test runner, and any web page can send requests like
 * these to 127.0.0.1 (an `<img src>` is enough), so none of them may stop it.
 */

let cli: CliRun;
let port: number;
let token: string;

/** Writes `text` on a fresh connection; resolves with what came back once the server closed it or after `waitMs`. */
function exchange(text: string, { reset = false, waitMs = 300 } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', done);
    socket.on('close', done);
    socket.write(text, 'latin1', () => {
      // A reset right after the request: the server's answer meets ECONNRESET/EPIPE.
      if (reset) socket.resetAndDestroy();
    });
  });
}

async function expectAlive(): Promise<void> {
  expect(cli.child.exitCode, cli.stderr()).toBeNull();
  const page = await fetch(`http://127.0.0.1:${port}/?token=${token}`);
  expect(page.status).toBe(200);
}

const host = () => `Host: 127.0.0.1:${port}`;
const upgrade = (target: string, extra = '') =>
  `GET ${target} HTTP/1.1\r\n${host()}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

describe('visualizer server under hostile requests', () => {
  beforeAll(async () => {
    cli = runCli(['visualize', '--attach', '--port', '0']);
    await cli.waitFor(() => cli.stdoutLines().length > 0, 'the page URL');
    const url = new URL(cli.stdoutLines()[0]!);
    port = Number(url.port);
    token = url.searchParams.get('token')!;
  });
  afterAll(async () => {
    cli.child.kill('SIGTERM');
    expect((await cli.exit).code).toBe(0);
  });

  it('answers 400 to a request target that is not a path (`//[` used to crash it with Invalid URL)', async () => {
    for (const target of ['//[', '//[::1', 'http://[', '*', '/%E0%A4%A', '//evil.example/']) {
      const answer = await exchange(`GET ${target} HTTP/1.1\r\n${host()}\r\n\r\n`);
      expect(answer, target).toMatch(/^HTTP\/1\.1 (400|404) /);
    }
    // Through the browser's path too: an <img> on any page can send this.
    expect((await fetch(`http://127.0.0.1:${port}//[`)).status).toBe(400);
    await expectAlive();
  });

  it('refuses bad upgrades (also `//[`) and survives a reset while it refuses (used to crash with ECONNRESET)', async () => {
    expect(await exchange(upgrade('//['))).toMatch(/^HTTP\/1\.1 403 /);
    expect(await exchange(upgrade('/ui', `Origin: http://127.0.0.1:${port}\r\n`))).toMatch(/^HTTP\/1\.1 403 /);
    for (let round = 0; round < 40; round++) {
      await Promise.all([
        exchange(upgrade('/ui', 'Origin: http://evil.example\r\n'), { reset: true, waitMs: 50 }),
        exchange(upgrade(`/ui?token=${token}`, `Origin: http://127.0.0.1:${port}\r\n`), { reset: true, waitMs: 50 }),
        exchange(upgrade('/nowhere'), { reset: true, waitMs: 50 }),
      ]);
    }
    await expectAlive();
  });

  it('survives arbitrary request lines, headers and upgrades, with and without resets', async () => {
    const target = fc.oneof(
      fc.string({ unit: 'binary-ascii', maxLength: 40 }),
      fc.webPath(),
      fc.constantFrom('/', '/ui', '/inspect', '/layouts/index.json', '/index.html').chain((path) =>
        fc.oneof(fc.constant(path), fc.string({ maxLength: 20 }).map((query) => `${path}?token=${query}`), fc.constant(`${path}?token=${token}`))),
    );
    const method = fc.constantFrom('GET', 'HEAD', 'POST', 'OPTIONS', 'BREW', '');
    const headers = fc.array(fc.oneof(
      fc.constant(host()),
      fc.constant('Host: evil.example'),
      fc.constant(`Origin: http://127.0.0.1:${port}`),
      fc.constant('Origin: http://evil.example'),
      fc.constant('Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='),
      fc.constant('Sec-WebSocket-Version: 99'),
      fc.string({ unit: 'binary-ascii', maxLength: 30 }),
    ), { maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(method, target, headers, fc.boolean(), async (verb, path, lines, reset) => {
        await exchange(`${verb} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`, { reset, waitMs: 40 });
        expect(cli.child.exitCode, cli.stderr()).toBeNull();
      }),
      { numRuns: 300 },
    );
    await expectAlive();
    expect(cli.stderr()).not.toMatch(/TypeError|ECONNRESET|Unhandled|uncaught/i);
  });
});
