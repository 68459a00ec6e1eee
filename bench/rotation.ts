/**
 * 5. Rotation gap: a numbered event every 1 ms while the token is refreshed make-before-break over and over
 *    (short token lifetime; the client refreshes at half-life, see `refreshDueIn`). Counts events that never
 *    reached the subscriber and events it got twice.
 *
 *    Two servers: the embedded simulator (it displaces the old socket the moment the new one is accepted), and
 *    the bench server with `overlap` (Zoom keeps feeding the old socket for a few ms after the new one is
 *    accepted: both carry the same events, so duplicates must be filtered).
 *
 *    Baseline: a bare make-before-break loop — fetch a token at half-life, open a second socket, close the old
 *    one once `build_connection` succeeds; every frame of either socket goes to the subscriber.
 */
import type WebSocket from 'ws';
import { ZoomWsClient } from '../src/index.js';
import { createZoomSimulator } from '../src/simulator/index.js';
import { closeBare, bareFetchToken, bareUrl, openBare, type BareCredentials } from './bare.js';
import { sleep } from './clock.js';
import { benchSubscription, collectGarbage, interleaved, rowFrom, type Row, type Sides } from './harness.js';
import { benchEvent, EVENT_NAMES, seqOf } from './payloads.js';
import type { BenchServer } from './server-control.js';
import { sum } from './stats.js';

export interface RotationConfig {
  rounds: number;
  rotationsPerRound: number;
  /** Rotations per round in the second variant (overlapping server). */
  overlapRotationsPerRound: number;
  /** Token lifetime; rotations happen at half of it. */
  ttlSeconds: number;
  /** How long the bench server keeps feeding a displaced socket in the second variant. */
  overlapMs: number;
}

const NAME = EVENT_NAMES.small;
/** Time for in-flight events to arrive after the stream stops. */
const DRAIN_MS = 30;

/** Counts deliveries per sequence number. */
class Tally {
  readonly #counts = new Map<number, number>();
  readonly handler = (event: { payload: unknown }): void => {
    const seq = seqOf(event);
    this.#counts.set(seq, (this.#counts.get(seq) ?? 0) + 1);
  };

  /** Events 1..sent that never arrived, and extra deliveries. */
  result(sent: number): { lost: number; duplicates: number } {
    let lost = 0;
    let duplicates = 0;
    for (let seq = 1; seq <= sent; seq++) {
      const count = this.#counts.get(seq) ?? 0;
      if (count === 0) lost++;
      else duplicates += count - 1;
    }
    return { lost, duplicates };
  }
}

/** Where the events come from and where the sockets go, for one round. */
interface Source {
  oauthUrl: string;
  wsUrl: string;
  credentials: BareCredentials & { subscriptionId: string };
  /** Starts the 1 ms numbered stream; the returned function stops it and resolves with how many were sent. */
  startStream(): () => Promise<number>;
}

interface RoundResult {
  lost: number;
  duplicates: number;
  rotations: number;
  filtered: number;
}

async function clientRound(source: Source, config: RotationConfig): Promise<RoundResult> {
  collectGarbage();
  const tally = new Tally();
  const client = new ZoomWsClient({
    ...source.credentials,
    oauthUrl: source.oauthUrl,
    wsUrl: source.wsUrl,
    // Refresh as early as allowed: at half-life.
    refreshMargin: 3_600_000,
  });
  client.on(NAME, tally.handler);
  await client.start();
  let rotations = 0;
  const enough = new Promise<void>((resolve) => {
    client.actor.on('rotated', () => {
      if (++rotations === config.rotationsPerRound) resolve();
    });
  });
  const stop = source.startStream();
  await Promise.race([enough, sleep(deadline(config))]);
  const sent = await stop();
  await sleep(DRAIN_MS);
  const filtered = client.stats.duplicates;
  await client.stop();
  return { ...tally.result(sent), rotations, filtered };
}

async function bareRound(source: Source, config: RotationConfig): Promise<RoundResult> {
  collectGarbage();
  const tally = new Tally();
  const { oauthUrl, wsUrl, credentials } = source;
  let active: WebSocket | undefined;
  let rotations = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let done: () => void = () => {};
  const enough = new Promise<void>((resolve) => {
    done = resolve;
  });
  const sockets = new Set<WebSocket>();

  const open = async (): Promise<void> => {
    const { token, expiresIn } = await bareFetchToken(oauthUrl, credentials);
    if (stopped) return;
    const next: WebSocket = openBare(bareUrl(wsUrl, credentials.subscriptionId, token), {
      onEvent: tally.handler,
      onOpen: () => {
        const old = active;
        active = next;
        if (old) {
          rotations++;
          void closeBare(old).then(() => sockets.delete(old));
          if (rotations === config.rotationsPerRound) done();
        }
        timer = setTimeout(() => void open(), (expiresIn * 1000) / 2);
      },
    });
    sockets.add(next);
  };

  await open();
  while (active === undefined) await sleep(1);
  const stop = source.startStream();
  await Promise.race([enough, sleep(deadline(config))]);
  const sent = await stop();
  await sleep(DRAIN_MS);
  stopped = true;
  clearTimeout(timer);
  await Promise.all([...sockets].map((ws) => closeBare(ws)));
  return { ...tally.result(sent), rotations, filtered: 0 };
}

function deadline(config: RotationConfig): number {
  return config.rotationsPerRound * config.ttlSeconds * 1000 * 3 + 5000;
}

export async function rotation(server: BenchServer, config: RotationConfig): Promise<Row[]> {
  const rows: Row[] = [];

  // Variant 1: the embedded simulator, in this process.
  const sim = await createZoomSimulator({ tokenTtlSeconds: config.ttlSeconds });
  try {
    const simSource: Source = {
      oauthUrl: sim.oauthUrl,
      wsUrl: sim.wsUrl,
      credentials: sim.credentials,
      startStream: () => {
        let seq = 0;
        const timer = setInterval(() => sim.emit(benchEvent('small', ++seq)), 1);
        return async () => {
          clearInterval(timer);
          return seq;
        };
      },
    };
    rows.push(...(await variant('embedded simulator', () => simSource, config)));
  } finally {
    await sim.stop();
  }

  // Variant 2: the bench server keeps feeding the old socket for `overlapMs` after the new one is accepted.
  const serverSource = (): Source => {
    const subscriptionId = benchSubscription();
    return {
      oauthUrl: server.oauthUrl(config.ttlSeconds),
      wsUrl: server.wsUrl({ overlap: config.overlapMs }),
      credentials: { accountId: 'bench-account', clientId: 'bench-client', clientSecret: 'bench-secret', subscriptionId },
      startStream: () => {
        void server.call({ cmd: 'stream-start', sub: subscriptionId, intervalMs: 1 });
        return async () => (await server.call<{ sent: number }>({ cmd: 'stream-stop', sub: subscriptionId })).sent;
      },
    };
  };
  rows.push(
    ...(await variant(`server feeding the old socket ${config.overlapMs} ms longer`, serverSource, { ...config, rotationsPerRound: config.overlapRotationsPerRound })),
  );
  return rows;
}

async function variant(label: string, source: () => Source, config: RotationConfig): Promise<Row[]> {
  const client: RoundResult[] = [];
  const bare: RoundResult[] = [];
  await interleaved(
    config.rounds,
    async (round) => {
      const result = await clientRound(source(), config);
      if (round >= 0) client.push(result);
      return result.lost;
    },
    async (round) => {
      const result = await bareRound(source(), config);
      if (round >= 0) bare.push(result);
      return result.lost;
    },
    false,
  );
  const total = (results: RoundResult[], key: keyof RoundResult): number => sum(results.map((result) => result[key]));
  const rotationsNote = `${total(client, 'rotations')} client rotations, ${total(bare, 'rotations')} bare rotations in ${config.rounds} rounds`;
  const pick = (key: 'lost' | 'duplicates'): Sides => ({ value: client.map((r) => r[key]), baseline: bare.map((r) => r[key]) });
  const lost = rowFrom(
    { name: `rotation gap: events lost (${label})`, unit: 'events', target: '0', note: `${rotationsNote}; value = total over all rounds` },
    pick('lost'),
    ({ value }) => value === 0,
    sum,
  );
  const duplicates = rowFrom(
    {
      name: `rotation gap: events delivered twice (${label})`,
      unit: 'events',
      target: '0',
      note: `${rotationsNote}; the client's duplicate filter dropped ${total(client, 'filtered')}; value = total over all rounds`,
    },
    pick('duplicates'),
    ({ value }) => value === 0,
    sum,
  );
  return [lost, duplicates];
}
