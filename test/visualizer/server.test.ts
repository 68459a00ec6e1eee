import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startVisualizerServer, type VisualizerServer, type VisualizerServerOptions } from '../../src/visualizer-server/server.js';
import { eventually, leakedHandles, liveHandles } from '../support/wait.js';

/** A GET with an explicit Host header (fetch does not let a test forge one). */
function get(server: VisualizerServer, path: string, host = `127.0.0.1:${server.port}`): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Peer {
  socket: WebSocket;
  messages: Array<{ type: string; [key: string]: unknown }>;
}

async function connect(server: VisualizerServer, path: string, origin?: string): Promise<Peer> {
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, origin ? { origin } : {});
  const peer: Peer = { socket, messages: [] };
  socket.on('message', (data) => peer.messages.push(JSON.parse(data.toString()) as Peer['messages'][number]));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return peer;
}

const snapshot = (n: number) => ({ type: '@xstate.snapshot', sessionId: 'x:0', rootId: 'x:0', createdAt: String(n), id: null, _version: '0.7.2', event: { type: 'E' }, snapshot: { value: 'idle', status: 'active' } });

describe('visualizer server', () => {
  let server: VisualizerServer | undefined;
  const peers: Peer[] = [];
  const start = async (options: VisualizerServerOptions = {}) => (server = await startVisualizerServer(options));
  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.socket.terminate();
    await server?.close();
    server = undefined;
  });

  it('serves the page and its assets from the package, with a same-origin-only CSP, on 127.0.0.1 only', async () => {
    const s = await start();
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/?token=${s.token}`);
    const page = await get(s, `/?token=${s.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).toContain('data-action="step-back"');
    expect((await get(s, '/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get(s, '/style.css')).status).toBe(200);
    expect((await get(s, '/../package.json')).status).toBe(404);
    expect((await get(s, '/README.md')).status).toBe(404);
    // DNS rebinding: a page served under another name must not reach the server.
    expect((await get(s, `/?token=${s.token}`, 'evil.example:80')).status).toBe(421);
  });

  it('refuses the page without this run\'s token, and each run has its own', async () => {
    const s = await start();
    const other = await startVisualizerServer();
    try {
      expect(s.token).toMatch(/^[\w-]{43}$/);
      expect(other.token).not.toBe(s.token);
      for (const path of ['/', '/index.html', '/?token=', `/?token=${other.token}`, `/?token=${s.token.slice(0, -1)}`]) {
        const { status, body } = await get(s, path);
        expect(status, path).toBe(403);
        expect(body).toContain('open the URL that `zoom-ws visualize` printed');
      }
      expect((await get(s, `/index.html?token=${s.token}`)).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('serves the layouts computed at build time, one per machine', async () => {
    const s = await start();
    const index = JSON.parse((await get(s, '/layouts/index.json')).body) as { machines: Array<{ id: string; file: string }> };
    expect(index.machines.map((machine) => machine.id)).toEqual(expect.arrayContaining(['zoomWs', 'replica']));
    const { status, headers, body } = await get(s, '/layouts/zoomWs.json');
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('application/json');
    const layout = JSON.parse(body) as { rootId: string; states: Array<{ id: string }> };
    expect(layout.rootId).toBe('zoomWs');
    expect(layout.states.map((state) => state.id)).toContain('zoomWs.connection.open.liveness.awaitingFrame');
  });

  it('relays inspection from a source to pages, replays it to late pages, and greets pages with the mode', async () => {
    const s = await start({ mode: 'attach' });
    const early = await connect(s, `/ui?token=${s.token}`, `http://127.0.0.1:${s.port}`);
    peers.push(early);
    const source = await connect(s, '/inspect');
    peers.push(source);
    source.socket.send(JSON.stringify({ type: '@xstate.actor', sessionId: 'x:0', rootId: 'x:0', name: 'zoomWs' }));
    for (let n = 1; n <= 3; n++) source.socket.send(JSON.stringify(snapshot(n)));
    source.socket.send('not json');
    await eventually(() => (early.messages.length === 5 ? undefined : `${early.messages.length} messages`), 'the relay');
    expect(early.messages[0]).toEqual({ type: 'zoom-ws.hello', mode: 'attach', commands: [], inspectUrl: s.inspectUrl });
    expect(early.messages.slice(1).map((m) => m.type)).toEqual(['@xstate.actor', '@xstate.snapshot', '@xstate.snapshot', '@xstate.snapshot']);

    const late = await connect(s, `/ui?token=${s.token}`, `http://localhost:${s.port}`);
    peers.push(late);
    await eventually(() => (late.messages.length === 5 ? undefined : `${late.messages.length} messages`), 'the replay');
    expect(late.messages.slice(1)).toEqual(early.messages.slice(1));
    expect(source.messages).toEqual([]);
  });

  it('runs page commands and answers only the asking page; sources cannot send commands', async () => {
    const commands: string[] = [];
    const s = await start({
      mode: 'embedded',
      commands: ['drop'],
      onCommand: (command) => {
        commands.push(command);
        if (command !== 'drop') throw new Error(`unknown command "${command}"`);
        return 'dropped';
      },
    });
    const page = await connect(s, `/ui?token=${s.token}`, `http://127.0.0.1:${s.port}`);
    const source = await connect(s, '/inspect');
    peers.push(page, source);
    page.socket.send(JSON.stringify({ type: 'zoom-ws.command', command: 'drop' }));
    page.socket.send(JSON.stringify({ type: 'zoom-ws.command', command: 'explode' }));
    source.socket.send(JSON.stringify({ type: 'zoom-ws.command', command: 'drop' }));
    await eventually(() => (page.messages.length === 3 ? undefined : `${page.messages.length} messages`), 'two answers');
    expect(page.messages.slice(1)).toEqual([
      { type: 'zoom-ws.command-result', command: 'drop', ok: true, message: 'dropped' },
      { type: 'zoom-ws.command-result', command: 'explode', ok: false, message: 'unknown command "explode"' },
    ]);
    expect(commands).toEqual(['drop', 'explode']);
  });

  it.each([
    ['a page from another origin', '/ui?token=TOKEN', 'http://evil.example'],
    ['a page socket without an origin', '/ui?token=TOKEN', undefined],
    ['a page socket without the token', '/ui', 'LOCAL'],
    ['a page socket with a wrong token', '/ui?token=x', 'LOCAL'],
    ['an unknown path', '/other', undefined],
  ])('refuses %s', async (_, path, origin) => {
    const s = await start();
    await expect(connect(s, path.replace('TOKEN', s.token), origin === 'LOCAL' ? `http://127.0.0.1:${s.port}` : origin)).rejects.toThrow(/403/);
  });

  it('lets any local process send inspection, but only token holders read the relay', async () => {
    const s = await start({ mode: 'attach' });
    const sender = await connect(s, '/inspect');
    const snooper = await connect(s, '/inspect');
    const receiver = await connect(s, `/inspect?token=${s.token}`);
    peers.push(sender, snooper, receiver);
    for (let n = 1; n <= 3; n++) sender.socket.send(JSON.stringify(snapshot(n)));
    await eventually(() => (receiver.messages.length === 3 ? undefined : `${receiver.messages.length} messages`), 'the relay to the receiver');
    const late = await connect(s, '/inspect');
    peers.push(late);
    // One more message through the same sockets: had the snooper been sent anything, it would have arrived first.
    sender.socket.send(JSON.stringify(snapshot(4)));
    await eventually(() => (receiver.messages.length === 4 ? undefined : `${receiver.messages.length} messages`), 'the fourth message');
    expect(snooper.messages).toEqual([]);
    expect(late.messages).toEqual([]);
  });

  it('bounds what it keeps for late pages by bytes, not by count', async () => {
    const s = await start({ mode: 'attach', replayBytes: 10_000 });
    const source = await connect(s, '/inspect');
    peers.push(source);
    const big = (n: number) => JSON.stringify({ ...snapshot(n), snapshot: { value: 'idle', status: 'active', context: { pad: 'x'.repeat(3_000) } } });
    for (let n = 1; n <= 20; n++) source.socket.send(big(n));
    // One small message after the big ones: once the receiver has it, the server has stored them all.
    const receiver = await connect(s, `/inspect?token=${s.token}`);
    peers.push(receiver);
    source.socket.send(JSON.stringify(snapshot(21)));
    await eventually(() => (receiver.messages.some((m) => m.createdAt === '21') ? undefined : 'not yet'), 'the last message');
    const late = await connect(s, `/ui?token=${s.token}`, `http://127.0.0.1:${s.port}`);
    peers.push(late);
    await eventually(() => (late.messages.some((m) => m.createdAt === '21') ? undefined : 'not yet'), 'the replay');
    const replayed = late.messages.slice(1);
    // Newest first kept: 3 of the 3 KB messages and the small one fit in 10,000 bytes.
    expect(replayed.map((m) => m.createdAt)).toEqual(['18', '19', '20', '21']);
    expect(replayed.reduce((sum, m) => sum + JSON.stringify(m).length, 0)).toBeLessThanOrEqual(10_000);
  });

  it('holds at most 16 MiB for late pages by default, however large the messages (1 MiB each here)', async () => {
    const s = await start({ mode: 'attach' });
    const source = await connect(s, '/inspect');
    peers.push(source);
    const receiver = await connect(s, `/inspect?token=${s.token}`);
    peers.push(receiver);
    const payload = 'x'.repeat(1024 * 1024 - 400);
    for (let n = 1; n <= 24; n++) source.socket.send(JSON.stringify({ ...snapshot(n), snapshot: { value: 'idle', status: 'active', context: { payload } } }));
    source.socket.send(JSON.stringify(snapshot(25)));
    await eventually(() => (receiver.messages.some((m) => m.createdAt === '25') ? undefined : `${receiver.messages.length} messages`), 'the relay', 10_000);
    const late = await connect(s, `/ui?token=${s.token}`, `http://127.0.0.1:${s.port}`);
    peers.push(late);
    const bytes = () => late.messages.slice(1).reduce((sum, m) => sum + JSON.stringify(m).length, 0);
    await eventually(() => (late.messages.some((m) => m.createdAt === '25') ? undefined : `${late.messages.length} messages`), 'the replay', 10_000);
    expect(bytes()).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(late.messages.length - 1).toBeLessThan(25);
    expect(late.messages.length - 1).toBeGreaterThanOrEqual(16);
  });

  it('releases every socket and the port on close()', async () => {
    const baseline = liveHandles();
    const s = await startVisualizerServer();
    const page = await connect(s, `/ui?token=${s.token}`, `http://127.0.0.1:${s.port}`);
    const source = await connect(s, '/inspect');
    const closed = Promise.all([page, source].map((peer) => new Promise((resolve) => peer.socket.once('close', resolve))));
    await s.close();
    await closed;
    expect(await leakedHandles(baseline)).toEqual([]);
    await expect(fetch(s.url)).rejects.toThrow();
  });
});
