/**
 * The chaos soak: a client kept connected to the simulator while a seeded random schedule of faults hits
 * it and a numbered event stream flows (one event every 2 ms). Invariants are checked continuously (at
 * every event: at most one live connection of ours, at most one socket actor outside a rotation; at every
 * accepted connection: a displacement of ours only as a rotation handover) and at the end (delivered once
 * and in order; what was not delivered lies in a gap of the stream that a reported outage accounts for;
 * no crash, no unhandled rejection; after `stop()` the handles are back to the baseline). The result is a
 * report, so that the test decides what to assert and what to print. `SOAK_DEBUG=1` prints the timeline.
 */
import type { Outage } from '../../machines/connection.types.js';
import { ZoomWsClient, type ZoomEvent } from '../../src/index.js';
import { createZoomSimulator, type ZoomSimulator } from '../../src/simulator/index.js';
import { SeededRandom } from '../../src/simulator/random.js';
import { TokenGate, WsGate } from '../support/gates.js';
import { addedHandles, eventually, liveHandles } from '../support/wait.js';

/** Short timings: the whole lifecycle repeats every few tens of milliseconds. */
export const SOAK_TIMINGS = {
  heartbeatInterval: 10,
  heartbeatTimeout: 25,
  backoffInitial: 2,
  backoffMax: 10,
  // Tokens live 200 ms: a make-before-break rotation after 100 ms of uninterrupted subscription.
  refreshMargin: 120,
  connectTimeout: 100,
  tokenTimeout: 120,
  stablePeriod: 15,
  displacedDelay: 10,
  // Generous: a socket that is retiring keeps delivering until its close handshake completes, and only a
  // loop stall longer than this could cut it short.
  closeTimeout: 1_500,
  maxPayload: 64 * 1024,
};
const TOKEN_TTL_SECONDS = 0.2;
const EVENT_EVERY_MS = 2;

export interface SoakOptions {
  faults: number;
  seed: number;
  /** Milliseconds between two faults, drawn uniformly. */
  gapMs?: [number, number];
  /** Share of faults preceded by a calm spell that lasts until the next token rotation (make-before-break under load). */
  rotationPause?: number;
  /**
   * Share of faults that wait for the subscription to be live again before they strike (the others hit
   * whatever state the client is in, recovery included). Without it, faults arriving faster than the
   * client recovers would keep it down and test little but the backoff.
   */
  hitLive?: number;
  /** For the secrets scan: the client secret to use, and where to keep log lines, inspection messages and tokens. */
  clientSecret?: string;
  collect?: { texts: string[]; tokens: string[] };
}

export interface SoakReport {
  seed: number;
  faults: number;
  faultCounts: Record<string, number>;
  /** Events emitted by the simulator. */
  events: number;
  /** Emitted to at least one live socket of ours. */
  emittedWhileLive: number;
  delivered: number;
  lostWhileLive: number[];
  /** Not delivered, inside a reported outage (the application was told to reconcile). */
  lostInOutages: number;
  duplicates: number;
  outOfOrder: number;
  /** Reached no socket of ours (Zoom lost it) and no reported outage accounts for it. */
  unreportedLoss: number[];
  /**
   * Not delivered, no outage reported, and a rotation completed in that gap of the stream: the old socket
   * died just before the new one was accepted, and the new one's build_connection reached the client first.
   */
  /** Largest emit-to-delivery latency seen, in ms. */
  maxLatencyMs: number;
  outages: number;
  rotations: number;
  reconnects: number;
  /** Live-connection and socket-count violations seen while running. */
  violations: string[];
  unhandledRejections: string[];
  crashes: string[];
  leakedHandles: string[];
  durationMs: number;
}

interface Emission {
  seq: number;
  at: number;
  sent: number;
}

/** A fault; returns `false` when it does not apply now (the schedule then draws another). */
type Fault = (ctx: FaultContext) => boolean | void;
interface FaultContext {
  sim: ZoomSimulator;
  random: SeededRandom;
  /** Queued faults of the token endpoint / the WebSocket upgrade not consumed yet. */
  tokenFaultsQueued: () => number;
  upgradeFaultQueued: () => boolean;
  queuedTokenFaults: (count: number) => void;
  queuedUpgradeFault: () => void;
  /** The client is open with no rotation due before a stall would be detected. */
  stallDetectable: () => boolean;
  /** Runs `action` after `ms` (cancelled when the soak ends). */
  later: (ms: number, action: () => void) => void;
}

const MALFORMED_FRAMES = [
  'not json at all',
  '{"module":',
  '[]',
  'null',
  '{"module":42,"success":true}',
  '{"module":"surprise","success":true,"content":"new in 2031","header":{}}',
  '{"module":"message","success":true,"content":"{not json","header":{}}',
  '{"module":"message","success":true,"content":"{\\"event\\":\\"\\",\\"event_ts\\":\\"x\\"}","header":{}}',
  '{"module":"message","success":true,"content":"[1,2,3]","header":{}}',
  '{"module":"heartbeat","success":true,"content":"live","header":{}}',
  '{"module":"build_connection","success":true,"content":"again?","header":{}}',
];
const CLOSE_CODES = [1000, 1001, 1008, 1011, 1012, 1013, 1014, 3000, 4000, 4401, 4999];

/**
 * The fault catalogue, with weights. Queued faults (token endpoint, upgrades) are only added when the
 * previous ones were consumed, so that they hit now and then instead of piling up and starving the client.
 * Fatal token answers (4xx) are left out: they end the client by design (tested elsewhere).
 */
const FAULTS: [name: string, weight: number, fault: Fault][] = [
  ['drop', 8, ({ sim }) => sim.faults.drop()],
  ['close-code', 8, ({ sim, random }) => sim.faults.close(random.pick(CLOSE_CODES), random.pick(['', 'going away', 'server restart', 'x'.repeat(200)]))],
  // A stall lasts until the client finds the socket dead. A silent gap that heals before that (a resume,
  // or a token rotation replacing the silent socket) is invisible to any client — Zoom frames carry no
  // sequence number — so stalls strike only where the heartbeat can find them before the next rotation.
  ['stall', 5, ({ sim, stallDetectable }) => {
    if (!stallDetectable()) return false;
    sim.faults.stall();
    return true;
  }],
  ['displace', 4, ({ sim }) => sim.faults.displace()],
  ['revoke-tokens', 3, ({ sim }) => sim.faults.revokeTokens()],
  ['expire-tokens', 3, ({ sim }) => sim.faults.expireTokens()],
  ['token-429', 3, tokenFault((random) => ({ status: 429, retryAfterSeconds: random.pick([0, 0.01, 0.03]) }))],
  ['token-5xx', 3, tokenFault((random) => ({ status: random.pick([500, 502, 503, 504]) }))],
  ['token-malformed', 2, tokenFault((random) => ({ malformed: random.pick(['not-json', 'wrong-shape'] as const) }))],
  // A slow token endpoint for a while; 200 ms is past the client's token timeout.
  ['token-slow', 4, ({ sim, random, later }) => {
    sim.faults.slowTokenRequests(random.pick([10, 40, 90, 200]));
    later(random.int(30, 300), () => sim.faults.slowTokenRequests(0));
  }],
  ['malformed-frame', 12, ({ sim, random }) => void sim.sendRaw(random.pick(MALFORMED_FRAMES))],
  ['refusal-frame', 2, ({ sim, random }) => void sim.sendRaw(JSON.stringify({ module: random.pick(['heartbeat', 'build_connection']), success: false, content: random.pick(['Invalid Token', 'Token is invalid', 'Service unavailable']), header: {} }))],
  ['reject-upgrade', 2, upgradeFault(({ sim, random }) => sim.faults.rejectUpgrades(1, random.pick([401, 403, 500, 503])))],
  ['hang-upgrade', 1, upgradeFault(({ sim }) => sim.faults.hangUpgrades(1))],
  ['refuse-connection', 2, upgradeFault(({ sim, random }) => sim.faults.refuseConnections(1, random.pick(['Invalid Token', 'Connected in another place', 'Invalid subscriptionId'])))],
];

function tokenFault(how: (random: SeededRandom) => Parameters<ZoomSimulator['faults']['failTokenRequests']>[1]): Fault {
  return (ctx) => {
    if (ctx.tokenFaultsQueued() > 0) return false;
    ctx.sim.faults.failTokenRequests(1, how(ctx.random));
    ctx.queuedTokenFaults(1);
    return true;
  };
}

function upgradeFault(inject: (ctx: FaultContext) => void): Fault {
  return (ctx) => {
    if (ctx.upgradeFaultQueued()) return false;
    inject(ctx);
    ctx.queuedUpgradeFault();
    return true;
  };
}

const TOTAL_WEIGHT = FAULTS.reduce((sum, [, weight]) => sum + weight, 0);

function pickFault(random: SeededRandom): [string, Fault] {
  let roll = random.float() * TOTAL_WEIGHT;
  for (const [name, weight, fault] of FAULTS) {
    roll -= weight;
    if (roll < 0) return [name, fault];
  }
  const [name, , fault] = FAULTS[0]!;
  return [name, fault];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const seqOf = (event: ZoomEvent) => (event.payload.object as { seq: number }).seq;

export async function runSoak({ faults, seed, gapMs = [1, 8], hitLive = 0.85, rotationPause = 0.02, clientSecret, collect }: SoakOptions): Promise<SoakReport> {
  const started = performance.now();
  const random = new SeededRandom(seed);
  const unhandledRejections: string[] = [];
  const onRejection = (reason: unknown) => unhandledRejections.push(String(reason));
  process.on('unhandledRejection', onRejection);

  const sim = await createZoomSimulator({
    tokenTtlSeconds: TOKEN_TTL_SECONDS,
    closeOnTokenExpiry: true,
    displacementStyle: random.pick(['close-reason', 'frame', 'both'] as const),
    ...(clientSecret ? { clientSecret } : {}),
  });
  if (collect) sim.on('token', ({ accessToken }) => collect.tokens.push(accessToken));
  const keep = (level: string) => (message: string, ...rest: unknown[]) => collect?.texts.push(`${level} ${message} ${rest.map((item) => JSON.stringify(item)).join(' ')}`);
  // A counting pass-through in front of the WebSocket endpoint: sees every TCP connection the client opens.
  const gate = await WsGate.start(sim.wsUrl, { passThrough: true });
  // Token requests pass through a gate that answers `Connection: close`: Node's global fetch otherwise
  // keeps idle connections in its own (unref'd) pool for seconds, and their server ends would show up as
  // handles that are not the client's.
  const tokenGate = await TokenGate.start(sim.oauthUrl);
  tokenGate.passThrough = true;
  const baseline = liveHandles();
  const violations: string[] = [];
  const crashes: string[] = [];
  const delivered: number[] = [];
  const deliveredAt = new Map<number, number>();
  const emissions: Emission[] = [];
  const outages: Outage[] = [];
  const client = new ZoomWsClient({
    ...sim.credentials,
    oauthUrl: tokenGate.url,
    wsUrl: gate.url,
    ...SOAK_TIMINGS,
    logger: {
      debug: keep('debug'),
      info: keep('info'),
      warn: keep('warn'),
      error: (message: string, ...rest: unknown[]) => {
        keep('error')(message, ...rest);
        if (/statechart crashed/.test(message)) crashes.push(message);
      },
    },
    ...(collect ? { inspect: (message: unknown) => void collect.texts.push(JSON.stringify(message)) } : {}),
  });
  client.on('*', (event) => {
    const n = seqOf(event);
    delivered.push(n);
    if (!deliveredAt.has(n)) deliveredAt.set(n, Date.now());
  });
  client.onOutage((outage) => outages.push(outage));
  if (process.env.SOAK_DEBUG) client.onStateChange(({ from, to, at }) => console.log(at % 100000, from, '→', to, client.actor.getSnapshot().context.lastFailure?.detail ?? ''));
  client.actor.subscribe({ error: (error) => crashes.push(String(error)) });

  const pendingSocket = () => client.actor.getSnapshot().context.pendingSocketId;

  // A second live connection of ours makes Zoom displace the first: that must only ever be a rotation handover.
  let displacedSeen = sim.stats.displaced;
  sim.on('connection', () => {
    const displaced = sim.stats.displaced - displacedSeen;
    displacedSeen = sim.stats.displaced;
    if (displaced > 0 && pendingSocket() === undefined) {
      violations.push(`a new connection displaced ${displaced} of ours outside a rotation (state ${client.state})`);
    }
  });

  let seq = 0;
  const emit = () => {
    const sent = sim.emit({ event: 'meeting.participant_joined', event_ts: 1_700_000_000_000 + seq, payload: { account_id: 'sim-account', object: { id: seq, uuid: `uuid-${seq}`, host_id: 'host', seq } } });
    emissions.push({ seq, at: Date.now(), sent });
    if (process.env.SOAK_DEBUG && sent !== 1) console.log(Date.now() % 100000, 'EMIT', seq, 'sent', sent);
    seq++;
    const live = sim.liveConnectionCount();
    if (live > 1) violations.push(`${live} live connections of ours at event ${seq - 1}`);
    const sockets = Object.keys(client.actor.getSnapshot().children).filter((id) => id.startsWith('socket-')).length;
    if (sockets > (pendingSocket() === undefined ? 1 : 2)) violations.push(`${sockets} socket actors at event ${seq - 1} (state ${client.state})`);
  };

  const faultCounts: Record<string, number> = {};
  let tokenFaultsInjected = 0;
  let upgradesAtUpgradeFault = -1;
  const faultContext: FaultContext = {
    sim,
    random,
    tokenFaultsQueued: () => tokenFaultsInjected - sim.stats.tokenFailures,
    upgradeFaultQueued: () => sim.stats.upgrades === upgradesAtUpgradeFault,
    queuedTokenFaults: (count) => {
      tokenFaultsInjected += count;
    },
    queuedUpgradeFault: () => {
      upgradesAtUpgradeFault = sim.stats.upgrades;
    },
    stallDetectable: () => {
      const snapshot = client.actor.getSnapshot();
      const token = snapshot.context.token;
      if (!snapshot.matches({ connection: { open: { refresh: 'scheduled' } } }) || !token) return false;
      const refreshAt = Math.max(token.expiresAt - SOAK_TIMINGS.refreshMargin, token.issuedAt + (token.expiresAt - token.issuedAt) / 2);
      return refreshAt - Date.now() > 2 * (SOAK_TIMINGS.heartbeatInterval + SOAK_TIMINGS.heartbeatTimeout);
    },
    later: (ms, action) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        action();
      }, ms);
      timers.add(timer);
    },
  };
  const timers = new Set<NodeJS.Timeout>();
  let stream: NodeJS.Timeout | undefined;
  let failure: unknown;
  try {
    await client.start();
    stream = setInterval(emit, EVENT_EVERY_MS);
    for (let i = 0; i < faults; i++) {
      if (random.float() < rotationPause) {
        const rotations = client.stats.rotations;
        await eventually(() => (client.stats.rotations > rotations ? undefined : 'no rotation yet'), 'a rotation', 1_000).catch(() => {});
      }
      if (random.float() < hitLive) {
        await eventually(() => (client.state === 'open' ? undefined : client.state), 'live', 3_000).catch(() => {});
      }
      await sleep(random.int(gapMs[0], gapMs[1]));
      let [name, fault] = pickFault(random);
      while (fault(faultContext) === false) [name, fault] = pickFault(random);
      faultCounts[name] = (faultCounts[name] ?? 0) + 1;
      if (process.env.SOAK_DEBUG) console.log(Date.now() % 100000, 'FAULT', name);
      // Displacements by the fault itself are not the client's doing.
      displacedSeen = sim.stats.displaced;
    }
    // Calm: no more faults (queued ones drain, a stalled socket is found dead), and the client must find
    // its way back to a live subscription by itself.
    for (const timer of timers) clearTimeout(timer);
    sim.faults.slowTokenRequests(0);
    await eventually(() => (client.state === 'open' && sim.liveConnectionCount() === 1 ? undefined : `state ${client.state}, ${sim.liveConnectionCount()} live`), 'recovery after the last fault', 10_000);
    const recoveredAt = seq;
    await eventually(() => (delivered.some((n) => n >= recoveredAt) ? undefined : 'no event delivered since'), 'events flowing again', 5_000);
  } catch (error) {
    failure = error;
  } finally {
    clearInterval(stream);
  }
  for (const timer of timers) clearTimeout(timer);
  // Whatever was sent must arrive (a retiring socket delivers until its close handshake completes).
  const sentSeqs = emissions.filter((emission) => emission.sent > 0).map((emission) => emission.seq);
  await eventually(() => {
    const got = new Set(delivered);
    const missing = sentSeqs.filter((n) => !got.has(n)).length;
    return missing === 0 ? undefined : `${missing} events not delivered yet`;
  }, 'delivery of everything sent', 3_000).catch(() => {});

  await client.stop();
  const leaked = await waitForHandles(baseline);
  await gate.close();
  await tokenGate.close();
  await sim.stop();
  process.off('unhandledRejection', onRejection);
  if (failure) throw failure;

  // Exactly once, in order.
  const seen = new Set<number>();
  let duplicates = 0;
  let outOfOrder = 0;
  let last = -1;
  for (const n of delivered) {
    if (seen.has(n)) duplicates++;
    else if (n < last) outOfOrder++;
    seen.add(n);
    last = Math.max(last, n);
  }
  // An event the client did not get must sit in a gap of the stream that a reported outage accounts for:
  // the outage ended (the subscription was live again) between the delivery of the last event before the
  // gap and the first one after it, and not before the event was emitted. (Times are compared on the
  // client's side of the gap only: the client dates an outage from the last frame it received, which it
  // sees some latency after Zoom sent it.)
  const sortedDelivered = [...seen].sort((a, b) => a - b);
  const explained = (emission: Emission) => {
    const index = sortedDelivered.findIndex((d) => d > emission.seq);
    const after = index === -1 ? undefined : sortedDelivered[index];
    const before = index === -1 ? sortedDelivered.at(-1) : sortedDelivered[index - 1];
    const gapFrom = before === undefined ? -Infinity : deliveredAt.get(before)!;
    const gapTo = after === undefined ? Infinity : deliveredAt.get(after)!;
    return outages.some((outage) => gapFrom <= outage.to && outage.to <= gapTo && emission.at <= outage.to && outage.from <= gapTo);
  };
  const undelivered = emissions.filter((emission) => !seen.has(emission.seq));
  // Including the race in which a rotation's old socket died a moment before the new one went live and the
  // client heard of the new one first: the client reports that window itself (see ZoomWsClient#watchHandover).
  const unexplained = undelivered.filter((emission) => !explained(emission));
  // Written to a live socket of ours, yet neither delivered nor inside a reported outage.
  const lostWhileLive = unexplained.filter((emission) => emission.sent > 0).map((emission) => emission.seq);
  // Reached no socket of ours, and no outage tells the application about it.
  const unreportedLoss = unexplained.filter((emission) => emission.sent === 0).map((emission) => emission.seq);
  let maxLatencyMs = 0;
  for (const emission of emissions) {
    const at = deliveredAt.get(emission.seq);
    if (at !== undefined) maxLatencyMs = Math.max(maxLatencyMs, at - emission.at);
  }
  if (process.env.SOAK_DEBUG) {
    for (const emission of unexplained) console.log('LOST', JSON.stringify(emission), 'at', emission.at % 100000);
    for (const outage of outages.slice(0, 5)) console.log('OUTAGE', outage.from % 100000, outage.to % 100000, outage.reason);
  }
  const stats = client.stats;
  return {
    seed,
    faults,
    faultCounts,
    events: emissions.length,
    emittedWhileLive: sentSeqs.length,
    delivered: delivered.length,
    lostWhileLive,
    lostInOutages: undelivered.length - unexplained.length,
    duplicates,
    outOfOrder,
    unreportedLoss,
    maxLatencyMs,
    outages: outages.length,
    rotations: stats.rotations,
    reconnects: stats.reconnects,
    violations,
    unhandledRejections,
    crashes,
    leakedHandles: leaked,
    durationMs: Math.round(performance.now() - started),
  };
}

async function waitForHandles(baseline: readonly string[]): Promise<string[]> {
  let leaked: string[] = [];
  await eventually(() => {
    leaked = addedHandles(baseline);
    return leaked.length === 0 ? undefined : leaked.join(', ');
  }, 'handles back to the baseline', 2_000).catch(() => {});
  return leaked;
}
