/**
 * The benchmark server: a minimal Zoom (token endpoint + real-time event WebSocket) that runs in its own process
 * (`child_process.fork`), so that its work never shares an event loop with the client being measured.
 *
 * Unlike the embedded simulator it accepts any subscription id and any non-empty token (scale needs one
 * subscription per client), and it can send events much faster:
 *
 * - `POST /oauth/token[?ttl=SECONDS]` → 200 `{access_token, token_type, expires_in, scope, api_url}`.
 * - `GET /ws?subscriptionId=…&access_token=…[&mode=…&size=…&rate=…&tag=…&overlap=…]`:
 *   `build_connection` success, a `live` reply to each heartbeat, one connection per subscription (a newer one
 *   displaces the older ones with `1000 Connected in another place`, after `overlap` ms if given). Then by `mode`:
 *   - `idle` (default): nothing more;
 *   - `blast`: pre-encoded `message` frames of `size` (`small`/`large`), as fast as the socket takes them
 *     (batches written straight to the TCP socket, paced by `drain`);
 *   - `paced`: `rate` frames per second, each stamped with the send time in `sent_us`; with `pair=ID&side=a|b`
 *     two connections share one stream, alternating every `slot` ms (A B A B …).
 *
 * Controlled over IPC (`{id, cmd, …}` → `{id, …result}`): `drop` (destroy the tag's sockets), `stall` (the tag's
 * sockets get nothing more, not even heartbeat replies), `stream-start`/`stream-stop` (a numbered event every
 * `intervalMs` to the live sockets of a subscription), `counts`, `history` (when a subscription's connections
 * opened and closed: the failover rows). Argument `--ports N` listens on N ports.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { nowUs, STAMP_BASE } from './clock.js';
import { benchEvent, messageFrameText, type PayloadSize } from './payloads.js';

interface Conn {
  readonly ws: WebSocket;
  readonly socket: Socket;
  readonly sub: string;
  readonly tag: string;
  open: boolean;
  stalled: boolean;
}

export type ServerCommand =
  | { cmd: 'drop'; tag: string }
  | { cmd: 'stall'; tag: string }
  | { cmd: 'stream-start'; sub: string; intervalMs: number; size?: PayloadSize }
  | { cmd: 'stream-stop'; sub: string }
  | { cmd: 'counts' }
  | { cmd: 'history'; sub: string };

/** When something happened, on both clocks: the shared monotonic one (µs) and the epoch (ms, fractional). */
export interface Stamp {
  us: number;
  epochMs: number;
}

/** A subscription's connections as the server saw them: `build_connection` sent, and closes of those. */
export interface SubscriptionHistory {
  opens: Stamp[];
  closes: Stamp[];
}

export interface ServerReady {
  type: 'ready';
  ports: number[];
}

const HEARTBEAT_REPLY = JSON.stringify({ module: 'heartbeat', success: true, content: 'live', header: {} });
const CONNECTED = JSON.stringify({ module: 'build_connection', success: true, content: 'Connection established', header: {} });
const TOKEN_EMPTY = JSON.stringify({ module: 'build_connection', success: false, content: 'token is empty', header: {} });
const DISPLACED = 'Connected in another place';

const bySub = new Map<string, Set<Conn>>();
const byTag = new Map<string, Set<Conn>>();
const streams = new Map<string, { timer: NodeJS.Timeout; sent: number; undelivered: number }>();
const counts = { connections: 0, open: 0, heartbeats: 0, tokens: 0 };
const pairs = new Map<string, { a?: Conn; b?: Conn }>();
const histories = new Map<string, SubscriptionHistory>();
let tokenCounter = 0;

const stamp = (): Stamp => ({ us: nowUs(), epochMs: performance.timeOrigin + performance.now() });

function historyOf(sub: string): SubscriptionHistory {
  let history = histories.get(sub);
  if (!history) histories.set(sub, (history = { opens: [], closes: [] }));
  return history;
}

// ---------------------------------------------------------------------------------------------------------------
// Pre-encoded frames

/** An unmasked server text frame (RFC 6455 §5.2) around `payload`. */
function wsTextFrame(payload: Buffer): Buffer {
  const length = payload.length;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.from([0x81, length]);
  } else if (length < 65_536) {
    header = Buffer.alloc(4);
    header[0] = 0x81;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x81;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

const blastBatches = new Map<PayloadSize, Buffer>();

/** At least 64 KB of complete WebSocket frames, each a distinct event (seq 0, 1, …). */
function blastBatch(size: PayloadSize): Buffer {
  let batch = blastBatches.get(size);
  if (!batch) {
    const frames: Buffer[] = [];
    let bytes = 0;
    for (let seq = 0; bytes < 64 * 1024 || frames.length < 16; seq++) {
      const frame = wsTextFrame(Buffer.from(messageFrameText(benchEvent(size, seq)), 'utf8'));
      frames.push(frame);
      bytes += frame.length;
    }
    batch = Buffer.concat(frames);
    blastBatches.set(size, batch);
  }
  return batch;
}

/** A frame text with a 16-digit stamp placeholder, and the byte offset of that placeholder. */
const pacedTemplates = new Map<PayloadSize, { text: Buffer; offset: number }>();

function pacedTemplate(size: PayloadSize): { text: Buffer; offset: number } {
  let found = pacedTemplates.get(size);
  if (!found) {
    const text = Buffer.from(messageFrameText(benchEvent(size, 0, 0)), 'utf8');
    const marker = Buffer.from(String(STAMP_BASE), 'latin1');
    const offset = text.indexOf(marker);
    if (offset < 0 || text.indexOf(marker, offset + 1) >= 0) throw new Error('stamp placeholder not found exactly once');
    found = { text, offset };
    pacedTemplates.set(size, found);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Modes

function blast(conn: Conn, size: PayloadSize): void {
  const batch = blastBatch(size);
  const pump = (): void => {
    // Stop as soon as ws saw the client's close frame: no data frame may follow our close frame.
    while (conn.open && !conn.stalled && conn.ws.readyState === 1) {
      if (!conn.socket.write(batch)) {
        conn.socket.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

/**
 * `rate` stamped frames per second. With two connections (a `pair`), the stream alternates between them in
 * slots of `slotMs` — A B A B … — so that both sides of a comparison see the same machine at the same moments.
 */
function paced(conns: readonly Conn[], size: PayloadSize, rate: number, slotMs: number): void {
  const { text, offset } = pacedTemplate(size);
  const start = process.hrtime.bigint();
  let sent = 0;
  const tick = (): void => {
    if (conns.some((conn) => !conn.open || conn.ws.readyState !== 1)) return;
    const elapsedNs = Number(process.hrtime.bigint() - start);
    const due = Math.floor((elapsedNs * rate) / 1e9);
    const conn = conns[Math.floor(elapsedNs / 1e6 / slotMs) % conns.length]!;
    while (sent < due) {
      sent++;
      if (conn.stalled) continue;
      const frame = Buffer.from(text);
      frame.write(String(STAMP_BASE + nowUs()), offset, 'latin1');
      conn.ws.send(frame, { binary: false });
    }
    // A 1 ms timer, not a setImmediate spin: spinning would take a whole core from the 2 the machine has and
    // the client's own scheduling delays would then dominate the tail. Events due in the same tick go out
    // back to back (≈ rate/1000 per tick), each stamped just before its own send.
    setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Endpoints

function handleHttp(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://bench');
  if (request.method !== 'POST' || url.pathname !== '/oauth/token') {
    request.resume();
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"reason":"Not Found","error":"not_found"}');
    return;
  }
  request.resume();
  request.on('end', () => {
    counts.tokens++;
    const ttl = Number(url.searchParams.get('ttl') ?? '3599');
    const body = JSON.stringify({
      access_token: `bench-token-${++tokenCounter}-${Math.random().toString(36).slice(2)}`,
      token_type: 'bearer',
      expires_in: ttl,
      scope: 'marketplace:read:list_event_subscriptions',
      api_url: 'https://api.zoom.us',
    });
    response.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(body) }).end(body);
  });
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 64 * 1024 });

function addTo(map: Map<string, Set<Conn>>, key: string, conn: Conn): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(conn);
}

function removeFrom(map: Map<string, Set<Conn>>, key: string, conn: Conn): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(conn);
  if (set.size === 0) map.delete(key);
}

function accept(ws: WebSocket, request: IncomingMessage): void {
  const query = new URL(request.url ?? '/', 'http://bench').searchParams;
  const sub = query.get('subscriptionId') ?? '';
  const conn: Conn = { ws, socket: request.socket as Socket, sub, tag: query.get('tag') ?? '', open: true, stalled: false };
  counts.connections++;
  counts.open++;
  ws.on('error', () => {});
  let established = false;
  ws.on('close', () => {
    if (established) historyOf(sub).closes.push(stamp());
    conn.open = false;
    counts.open--;
    removeFrom(bySub, conn.sub, conn);
    removeFrom(byTag, conn.tag, conn);
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary || conn.stalled || !conn.open) return;
    let module: unknown;
    try {
      module = (JSON.parse(data.toString()) as { module?: unknown }).module;
    } catch {
      return;
    }
    if (module !== 'heartbeat') return;
    counts.heartbeats++;
    ws.send(HEARTBEAT_REPLY);
  });
  if (!query.get('access_token')) {
    ws.send(TOKEN_EMPTY);
    ws.close(1000);
    return;
  }
  ws.send(CONNECTED);
  established = true;
  historyOf(sub).opens.push(stamp());
  // One connection per subscription: the newcomer wins (after `overlap` ms, to model a slow handover).
  const older = [...(bySub.get(sub) ?? [])];
  addTo(bySub, sub, conn);
  addTo(byTag, conn.tag, conn);
  if (older.length > 0) {
    const displace = (): void => {
      for (const other of older) if (other.open) other.ws.close(1000, DISPLACED);
    };
    const overlap = Number(query.get('overlap') ?? '0');
    if (overlap > 0) setTimeout(displace, overlap);
    else displace();
  }
  const size = (query.get('size') ?? 'small') as PayloadSize;
  const mode = query.get('mode') ?? 'idle';
  if (mode === 'blast') blast(conn, size);
  else if (mode === 'paced') {
    const rate = Number(query.get('rate') ?? '1000');
    const slotMs = Number(query.get('slot') ?? '50');
    const pair = query.get('pair');
    if (!pair) {
      paced([conn], size, rate, slotMs);
      return;
    }
    // The pair's stream starts once both sides are connected; side "a" gets the first slot.
    const sides = pairs.get(pair) ?? {};
    sides[query.get('side') === 'b' ? 'b' : 'a'] = conn;
    pairs.set(pair, sides);
    if (sides.a && sides.b) {
      pairs.delete(pair);
      paced([sides.a, sides.b], size, rate, slotMs);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Control

function streamTick(sub: string, size: PayloadSize): void {
  const stream = streams.get(sub);
  if (!stream) return;
  const seq = ++stream.sent;
  const text = messageFrameText(benchEvent(size, seq, nowUs()));
  let delivered = 0;
  for (const conn of bySub.get(sub) ?? []) {
    if (conn.open && !conn.stalled && conn.ws.readyState === 1) {
      conn.ws.send(text);
      delivered++;
    }
  }
  if (delivered === 0) stream.undelivered++;
}

function run(message: ServerCommand): Record<string, unknown> {
  switch (message.cmd) {
    case 'drop': {
      const at = nowUs();
      const conns = [...(byTag.get(message.tag) ?? [])];
      for (const conn of conns) conn.ws.terminate();
      return { at, count: conns.length };
    }
    case 'stall': {
      const at = nowUs();
      const conns = [...(byTag.get(message.tag) ?? [])];
      for (const conn of conns) conn.stalled = true;
      return { at, count: conns.length };
    }
    case 'stream-start': {
      const { sub, intervalMs } = message;
      const size = message.size ?? 'small';
      streams.set(sub, { timer: setInterval(() => streamTick(sub, size), intervalMs), sent: 0, undelivered: 0 });
      return {};
    }
    case 'stream-stop': {
      const stream = streams.get(message.sub);
      if (!stream) return { sent: 0, undelivered: 0 };
      clearInterval(stream.timer);
      streams.delete(message.sub);
      return { sent: stream.sent, undelivered: stream.undelivered };
    }
    case 'counts':
      return { ...counts };
    case 'history':
      return { ...historyOf(message.sub) };
  }
}

async function main(): Promise<void> {
  const portsArg = process.argv.indexOf('--ports');
  const portCount = portsArg >= 0 ? Number(process.argv[portsArg + 1]) : 1;
  const ports: number[] = [];
  for (let index = 0; index < portCount; index++) {
    const server = createServer(handleHttp);
    server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.on('error', () => {});
      wss.handleUpgrade(request, socket, head, (ws) => accept(ws, request));
    });
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
    ports.push((server.address() as AddressInfo).port);
  }
  process.on('message', (message: { id: number } & ServerCommand) => {
    process.send?.({ id: message.id, ...run(message) });
  });
  // The parent went away (crash, Ctrl-C): do not linger.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', ports } satisfies ServerReady);
}

void main();
