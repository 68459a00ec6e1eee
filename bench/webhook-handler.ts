/**
 * The webhook handler of the forward rows: a bare `node:http` server on 127.0.0.1 that reads each body and answers
 * 204, forked into its own process (`child_process.fork`) so that its work never shares an event loop with the
 * sender being measured. It verifies nothing (both senders sign; the tests prove the signatures).
 *
 * IPC: on start it sends `{ type: 'ready', port }`; `{ id, cmd: 'counts' }` → `{ id, requests, bodyBytes }`
 * (totals since the last `counts`, which resets them), so a round can check that it sent exactly its events
 * and that both senders sent the same bytes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HandlerReady {
  type: 'ready';
  port: number;
}

export interface HandlerCounts {
  requests: number;
  bodyBytes: number;
}

if (process.send) {
  let counts: HandlerCounts = { requests: 0, bodyBytes: 0 };
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      counts.requests++;
      counts.bodyBytes += bytes;
      res.writeHead(204).end();
    });
  });
  // Longer than any pause between rounds: neither sender pays for reconnecting mid-run.
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.on('message', (message: { id: number; cmd: 'counts' }) => {
      if (message.cmd !== 'counts') return;
      process.send?.({ id: message.id, ...counts });
      counts = { requests: 0, bodyBytes: 0 };
    });
    process.on('disconnect', () => process.exit(0));
    process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port } satisfies HandlerReady);
  });
}
