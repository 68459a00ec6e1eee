/**
 * Oversized frames (issue 3, part 3): the socket is opened with `maxPayload` (option `maxPayload`, default
 * 1 MiB, documented in `ZoomWsClientOptions`), so a frame announcing more is refused from its header — before
 * its payload is buffered — with close code 1009, and the client reconnects. Memory stays bounded whatever
 * length the frame claims.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { ZoomWsClient } from '../../src/index.js';
import { createZoomSimulator, type ZoomSimulator } from '../../src/simulator/index.js';
import { startRawZoomServer, zoomFrame, type RawZoomServer } from '../support/raw-zoom-server.js';
import { eventually } from '../support/wait.js';

const LIMIT = 64 * 1024;

/** A text frame header (server → client, unmasked) announcing `length` bytes. */
function frameHeader(length: number): Buffer {
  const header = Buffer.alloc(10);
  header[0] = 0x81;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}

describe('oversized frames', () => {
  let raw: RawZoomServer | undefined;
  let sim: ZoomSimulator | undefined;
  let client: ZoomWsClient | undefined;
  afterEach(async () => {
    await client?.stop();
    await raw?.close();
    await sim?.stop();
    client = raw = sim = undefined;
  });

  async function connect(onConnection: (socket: WebSocket, index: number) => void) {
    sim = await createZoomSimulator();
    raw = await startRawZoomServer(onConnection);
    const closes: string[] = [];
    client = new ZoomWsClient({
      ...sim.credentials,
      oauthUrl: sim.oauthUrl,
      wsUrl: raw.wsUrl,
      maxPayload: LIMIT,
      backoffInitial: 5,
      backoffMax: 5,
      logger: { debug: () => {}, info: (message: string) => closes.push(message), warn: () => {}, error: () => {} },
    });
    const events: (number | string | undefined)[] = [];
    client.on('*', (event) => {
      events.push(event.event_ts);
    });
    await client.start();
    return { closes, events };
  }

  it('a frame claiming a terabyte is refused from its header (1009), with bounded memory, and the client reconnects', async () => {
    let streamed = 0;
    const { closes, events } = await connect((socket, index) => {
      if (index !== 1) {
        socket.send(zoomFrame('message', JSON.stringify({ event: 'meeting.started', event_ts: 2, payload: {} })));
        return;
      }
      const tcp = (socket as unknown as { _socket: Socket })._socket;
      tcp.write(frameHeader(2 ** 40));
      // Keep streaming junk while the client still reads: 16 MiB at most.
      const chunk = Buffer.alloc(256 * 1024, 0x61);
      const pump = () => {
        while (streamed < 16 * 1024 * 1024 && !tcp.destroyed && tcp.write(chunk)) streamed += chunk.length;
        if (streamed < 16 * 1024 * 1024 && !tcp.destroyed) tcp.once('drain', pump);
      };
      pump();
    });
    const before = process.memoryUsage();
    await eventually(() => (events.includes(2) ? undefined : `events ${JSON.stringify(events)}`), 'reconnect after the refusal');
    const after = process.memoryUsage();
    expect(closes.some((line) => /Max payload size exceeded/.test(line))).toBe(true);
    expect(client!.stats.reconnects).toBe(1);
    // Nothing like the announced size was ever buffered.
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(32 * 1024 * 1024);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(32 * 1024 * 1024);
  });

  it('a frame of exactly maxPayload is delivered; one byte more is refused and the client reconnects', async () => {
    /** A message frame of exactly `size` bytes (the inner event is padded). */
    const fill = (size: number, ts: number) => {
      const frame = (pad: string) => zoomFrame('message', JSON.stringify({ event: 'meeting.started', event_ts: ts, payload: { pad } }));
      return frame('p'.repeat(size - Buffer.byteLength(frame(''))));
    };
    const { events } = await connect((socket, index) => {
      if (index === 1) {
        socket.send(fill(LIMIT, 1));
        socket.send(fill(LIMIT + 1, 99));
      } else {
        socket.send(fill(LIMIT, 3));
      }
    });
    await eventually(() => (events.includes(3) ? undefined : `events ${JSON.stringify(events)}`), 'the frame after the reconnect');
    expect(events).toEqual([1, 3]);
    expect(client!.stats.reconnects).toBe(1);
  });
});
