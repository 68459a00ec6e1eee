/**
 * 3. Reconnect: the server destroys the socket (the client sees 1006); time from that moment (server clock) to
 *    `open` again (client clock; both read the shared monotonic clock). Backoff 0 on both sides. Two variants:
 *    with the cached token, and with a token fetch before the reconnect.
 *
 *    Baseline: a bare reconnect loop — on `close`, `setTimeout(connect, backoff)` with backoff 0 (fetching a
 *    token first in the second variant), `open` = `build_connection` success.
 */
import type WebSocket from 'ws';
import { bareFetchToken, bareUrl, openBare } from './bare.js';
import { nowUs, sleep } from './clock.js';
import { benchClient, benchSubscription, collectGarbage, interleaved, nextState, rowFrom, type Row } from './harness.js';
import type { BenchServer } from './server-control.js';
import { median } from './stats.js';

export interface ReconnectConfig {
  rounds: number;
  dropsPerRound: number;
}

const TTL_SECONDS = 3599;
let tagCounter = 0;

/** Waits a moment after `open` so that the drop hits an idle, established connection. */
const SETTLE_MS = 5;

export async function reconnect(server: BenchServer, config: ReconnectConfig): Promise<Row[]> {
  const rows: Row[] = [];
  for (const withFetch of [false, true]) {
    const clientRound = async (): Promise<number> => {
      collectGarbage();
      const tag = `rc-${++tagCounter}`;
      const client = benchClient({
        oauthUrl: server.oauthUrl(TTL_SECONDS),
        wsUrl: server.wsUrl({ tag }),
        backoffInitial: 0,
        backoffMax: 0,
        // A token is reused while more than refreshMargin of its life is left; margin ≥ lifetime forces a fetch.
        // The refresh itself stays at half-life (30 min away), so it never interferes.
        refreshMargin: withFetch ? TTL_SECONDS * 1000 : 60_000,
      });
      await client.start();
      const samples: number[] = [];
      for (let drop = 0; drop < config.dropsPerRound; drop++) {
        await sleep(SETTLE_MS);
        const reopened = nextState(client, 'open', nowUs);
        const droppedAt = await server.drop(tag);
        samples.push(((await reopened) - droppedAt) / 1000);
      }
      await client.stop();
      return median(samples);
    };

    const bareRound = async (): Promise<number> => {
      collectGarbage();
      const tag = `rc-${++tagCounter}`;
      const sub = benchSubscription();
      const wsUrl = server.wsUrl({ tag });
      let token = (await bareFetchToken(server.oauthUrl(TTL_SECONDS))).token;
      let onOpen: () => void = () => {};
      let stopped = false;
      let ws: WebSocket;
      const connect = (): void => {
        ws = openBare(bareUrl(wsUrl, sub, token), {
          onOpen: () => onOpen(),
          onClose: () => {
            if (stopped) return;
            const backoff = 0;
            setTimeout(() => {
              if (!withFetch) {
                connect();
                return;
              }
              void bareFetchToken(server.oauthUrl(TTL_SECONDS)).then((fresh) => {
                token = fresh.token;
                connect();
              });
            }, backoff);
          },
        });
      };
      await new Promise<void>((resolve) => {
        onOpen = resolve;
        connect();
      });
      const samples: number[] = [];
      for (let drop = 0; drop < config.dropsPerRound; drop++) {
        await sleep(SETTLE_MS);
        const reopened = new Promise<number>((resolve) => {
          onOpen = () => resolve(nowUs());
        });
        const droppedAt = await server.drop(tag);
        samples.push(((await reopened) - droppedAt) / 1000);
      }
      stopped = true;
      ws!.terminate();
      return median(samples);
    };

    const sides = await interleaved(config.rounds, clientRound, bareRound);
    rows.push(
      rowFrom(
        {
          name: withFetch ? 'reconnect with a token fetch (backoff 0)' : 'reconnect with the cached token (backoff 0)',
          unit: 'ms',
          target: 'ratio ≤ 1.2',
          note: `each round is the median of ${config.dropsPerRound} drops`,
        },
        sides,
        ({ ratio }) => ratio !== null && ratio <= 1.2,
      ),
    );
  }
  return rows;
}
