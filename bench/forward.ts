/**
 * 10. Forward throughput: events/s delivered to a webhook handler (`webhook-handler.ts`, its own process,
 *     `node:http` on 127.0.0.1 answering 204) by `createForwarder` against a bare `fetch` loop posting the same
 *     bodies with the same headers, at the same concurrency, interleaved A B A B in this one run.
 *
 *     Forwarder: every event `push`ed at once (queue large enough), timed from the first push to the last status
 *     line; it hashes the idempotency key, checks the body's canonical form, signs, POSTs through the global
 *     `fetch` with a per-request timeout signal and reports a status per event. Baseline: the minimum that makes
 *     a Zoom-verifiable webhook — per event `createHash` for the key, `createHmac` for `x-zm-signature` (the
 *     formula written out here, not our signing code), `fetch` POST, drain the response — from `concurrency`
 *     workers sharing one index. Each round ends with the handler's own count: exactly the round's events,
 *     and the same body bytes for both senders.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { nowMs } from './clock.js';
import { collectGarbage, interleaved, rowFrom, type Row } from './harness.js';
import { benchEvent, EVENT_NAMES } from './payloads.js';
import { median, quartiles } from './stats.js';
import type { HandlerCounts, HandlerReady } from './webhook-handler.js';
import { createForwarder, IDEMPOTENCY_HEADER, type DeliveryStatus } from '../src/forward/index.js';

export interface ForwardConfig {
  rounds: number;
  /** Events per round and side: short rounds, so that A and B of a pair see the same load on a shared machine. */
  eventsPerRound: number;
  /** Events per side sent once before the rounds, unrecorded, to warm the JIT and the connection pool. */
  warmupEvents: number;
  concurrencies: readonly number[];
}

/** The rows' target: the median forwarder rate at least this share of the bare loop's (see bench/README.md, row 10). */
export const FORWARD_TARGET_RATIO = 0.8;

const SECRET = 'bench-webhook-secret-token';
const HANDLER_SCRIPT = fileURLToPath(new URL('./webhook-handler.js', import.meta.url));

class WebhookHandler {
  readonly #child: ChildProcess;
  readonly url: string;
  #nextId = 1;

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.url = `http://127.0.0.1:${port}/webhook`;
  }

  static start(): Promise<WebhookHandler> {
    const child = fork(HANDLER_SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`webhook handler exited early with code ${code}`)));
      child.once('message', (message: HandlerReady) => {
        child.removeAllListeners('exit');
        resolve(new WebhookHandler(child, message.port));
      });
    });
  }

  /** Requests and body bytes since the last call. */
  counts(): Promise<HandlerCounts> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const onMessage = (message: { id?: number } & HandlerCounts) => {
        if (message.id !== id) return;
        this.#child.off('message', onMessage);
        resolve(message);
      };
      this.#child.on('message', onMessage);
      this.#child.send({ id, cmd: 'counts' });
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) return resolve();
      this.#child.once('exit', () => resolve());
      this.#child.kill();
    });
  }
}

/** Zoom's webhook headers for `body`, from the documented formula; the same set the forwarder sends. */
function bareHeaders(body: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    'content-type': 'application/json',
    'x-zm-request-timestamp': timestamp,
    'x-zm-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`,
    [IDEMPOTENCY_HEADER]: createHash('sha256').update(body).digest('hex'),
  };
}

export async function forwardThroughput(config: ForwardConfig): Promise<Row[]> {
  const handler = await WebhookHandler.start();
  // Real-shaped bodies (the scenario's participant_joined), each distinct, as Zoom serialises them.
  const real = (count: number, from: number) => Array.from({ length: count }, (_, i) => JSON.stringify(benchEvent('small', from + i)));
  const roundBodies = real(config.eventsPerRound, 1);
  const warmupBodies = real(config.warmupEvents, 1 + config.eventsPerRound);
  const event = EVENT_NAMES.small;
  const bytesOf = (bodies: readonly string[]) => bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0);
  const roundBytes = bytesOf(roundBodies);
  const rows: Row[] = [];

  /** Runs one side's round and checks, from the handler's count, that it delivered exactly the round's bodies. */
  const measured = async (side: string, bodies: readonly string[], cpu: number[], send: (bodies: readonly string[]) => Promise<void>): Promise<number> => {
    collectGarbage();
    await handler.counts();
    const cpu0 = process.cpuUsage();
    const start = nowMs();
    await send(bodies);
    const elapsed = nowMs() - start;
    const used = process.cpuUsage(cpu0);
    const counts = await handler.counts();
    const bytes = bodies === roundBodies ? roundBytes : bytesOf(bodies);
    if (counts.requests !== bodies.length || counts.bodyBytes !== bytes) {
      throw new Error(`forward bench (${side}): the handler got ${counts.requests} requests / ${counts.bodyBytes} bytes, expected ${bodies.length} / ${bytes}`);
    }
    cpu.push(bodies.length / ((used.user + used.system) / 1e6));
    return (bodies.length / elapsed) * 1000;
  };

  try {
    for (const concurrency of config.concurrencies) {
      const cpu = { forwarder: [] as number[], bare: [] as number[] };

      const sendForwarded = async (bodies: readonly string[]): Promise<void> => {
        let settled = 0;
        let problem: DeliveryStatus | undefined;
        let finish!: () => void;
        const done = new Promise<void>((resolve) => (finish = resolve));
        const forwarder = createForwarder({
          to: handler.url,
          secretToken: SECRET,
          concurrency,
          maxQueue: bodies.length,
          onStatus: (status) => {
            if (status.outcome !== 'delivered' || status.attempts !== 1) problem ??= status;
            if (++settled === bodies.length) finish();
          },
        });
        for (const body of bodies) forwarder.push(body, event);
        await done;
        await forwarder.stop();
        if (problem) throw new Error(`forward bench: an event was not delivered on its first attempt: ${JSON.stringify(problem)}`);
      };

      const sendBare = async (bodies: readonly string[]): Promise<void> => {
        let next = 0;
        const worker = async () => {
          while (next < bodies.length) {
            const body = bodies[next++]!;
            const response = await fetch(handler.url, { method: 'POST', body, headers: bareHeaders(body) });
            await response.arrayBuffer();
            if (response.status !== 204) throw new Error(`forward bench: bare fetch got status ${response.status}`);
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
      };

      await measured('forwarder warm-up', warmupBodies, [], sendForwarded);
      await measured('bare fetch warm-up', warmupBodies, [], sendBare);
      const sides = await interleaved(
        config.rounds,
        () => measured('forwarder', roundBodies, cpu.forwarder, sendForwarded),
        () => measured('bare fetch', roundBodies, cpu.bare, sendBare),
        false,
      );
      const perCpu = { forwarder: median(cpu.forwarder), bare: median(cpu.bare) };
      // Each pair ran back to back: their ratio is the least disturbed by load that drifts over seconds.
      const paired = sides.value.map((value, i) => value / sides.baseline[i]!);
      rows.push(
        rowFrom(
          {
            name: `forward throughput, concurrency ${concurrency} (${event}, ${Math.round(roundBytes / roundBodies.length)} B bodies) vs a bare fetch loop`,
            unit: 'events/s',
            target: `ratio ≥ ${FORWARD_TARGET_RATIO.toFixed(2)}`,
            note:
              `${roundBodies.length.toLocaleString('en-US')} events per round and side (after ${warmupBodies.length.toLocaleString('en-US')} unrecorded) to a node:http handler in its own process (204), keep-alive; ` +
              `per-pair ratio median ${median(paired).toFixed(2)} (IQR ${quartiles(paired).map((q) => q.toFixed(2)).join('–')}); ` +
              `per CPU-second of the sending process: forwarder ${Math.round(perCpu.forwarder).toLocaleString('en-US')}, ` +
              `bare ${Math.round(perCpu.bare).toLocaleString('en-US')}, ratio ${(perCpu.forwarder / perCpu.bare).toFixed(2)}`,
          },
          sides,
          ({ ratio }) => ratio !== null && ratio >= FORWARD_TARGET_RATIO,
        ),
      );
    }
  } finally {
    await handler.stop();
  }
  return rows;
}
