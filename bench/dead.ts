/**
 * 4. Dead-connection detection: the server stops sending anything to an open socket (no heartbeat replies, no
 *    events) at a random moment of the heartbeat period; time from that moment to the client abandoning the
 *    socket (`open` → `backoff`, failure reason `dead`). The design bound is interval + timeout: the next
 *    heartbeat goes out at most `interval` later and the socket is declared dead `timeout` after it.
 *
 *    Baseline: a bare socket with the same heartbeat/timeout logic (setInterval + setTimeout, see BareKeepAlive).
 */
import { BareKeepAlive, bareFetchToken, bareUrl, openBareAndWait } from './bare.js';
import { nowUs, sleep } from './clock.js';
import { benchClient, benchSubscription, collectGarbage, interleaved, nextState, rowFrom, type Row } from './harness.js';
import type { BenchServer } from './server-control.js';
import { max } from './stats.js';

/**
 * Node timers have 1 ms granularity and detection involves two of them (the heartbeat tick and the timeout):
 * the bound is checked with this much slack. The bare baseline, which is nothing but those two timers, shows
 * how late the machine actually ran them.
 */
export const TIMER_SLACK_MS = 2;

export interface DeadConfig {
  rounds: number;
  settings: readonly { interval: number; timeout: number }[];
}

let tagCounter = 0;

export async function deadDetection(server: BenchServer, config: DeadConfig): Promise<Row[]> {
  const rows: Row[] = [];
  for (const { interval, timeout } of config.settings) {
    const bound = interval + timeout;
    const wrongReasons: string[] = [];

    const clientRound = async (): Promise<number> => {
      collectGarbage();
      const tag = `dead-${++tagCounter}`;
      const client = benchClient({
        oauthUrl: server.oauthUrl(),
        wsUrl: server.wsUrl({ tag }),
        heartbeatInterval: interval,
        heartbeatTimeout: timeout,
        backoffInitial: 60_000,
        backoffMax: 60_000,
      });
      await client.start();
      await sleep(Math.random() * interval);
      const abandoned = nextState(client, 'backoff', nowUs);
      const stalledAt = await server.stall(tag);
      const detectedAt = await abandoned;
      const reason = client.actor.getSnapshot().context.lastFailure?.reason;
      if (reason !== 'dead') wrongReasons.push(String(reason));
      await client.stop();
      return (detectedAt - stalledAt) / 1000;
    };

    const bareRound = async (): Promise<number> => {
      collectGarbage();
      const tag = `dead-${++tagCounter}`;
      const { token } = await bareFetchToken(server.oauthUrl());
      let keepAlive: BareKeepAlive | undefined;
      const ws = await openBareAndWait(bareUrl(server.wsUrl({ tag }), benchSubscription(), token), { onFrame: () => keepAlive?.frame() });
      let onDead: () => void = () => {};
      keepAlive = new BareKeepAlive(ws, interval, timeout, () => onDead());
      await sleep(Math.random() * interval);
      const abandoned = new Promise<number>((resolve) => {
        onDead = () => resolve(nowUs());
      });
      const stalledAt = await server.stall(tag);
      const detectedAt = await abandoned;
      return (detectedAt - stalledAt) / 1000;
    };

    // Timer-bound, not CPU-bound: no JIT warm-up pair needed.
    const sides = await interleaved(config.rounds, clientRound, bareRound, false);
    const worst = max(sides.value);
    const row = rowFrom(
      {
        name: `dead-connection detection, heartbeat ${interval} ms / timeout ${timeout} ms`,
        unit: 'ms',
        target: `every round ≤ ${bound} ms (interval + timeout, +${TIMER_SLACK_MS} ms timer slack)`,
      },
      sides,
      () => worst <= bound + TIMER_SLACK_MS && wrongReasons.length === 0,
    );
    row.note = `bound ${bound} ms; worst client round ${worst.toFixed(1)} ms, worst bare round ${max(sides.baseline).toFixed(1)} ms` +
      (wrongReasons.length > 0 ? `; failure reasons other than "dead": ${wrongReasons.join(', ')}` : '');
    rows.push(row);
  }
  return rows;
}
