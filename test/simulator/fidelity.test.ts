/**
 * The simulator against real Zoom traffic: the shapes of `createEventScenario` are compared with the captured
 * bodies in `../shared/fixtures/zoom-events/captured__*.json` (see its `sources.md`), and the delivery jitter
 * is checked end to end over a real socket.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { planPass } from '../../src/simulator/delivery-jitter.js';
import { createEventScenario, createZoomSimulator, type ZoomEvent, type ZoomSimulator, type ZoomSimulatorOptions } from '../../src/simulator/index.js';
import { SeededRandom } from '../../src/simulator/random.js';
import { runCli } from '../support/cli.js';
import { eventually } from '../support/wait.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'zoom-events');

type Body = Record<string, unknown> & { event: string; payload: unknown };
interface Capture {
  file: string;
  body: Body;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Every `captured__*.json`. A missing folder fails at once: a comparison with nothing would prove nothing. */
function captures(): Capture[] {
  if (!existsSync(FIXTURES)) throw new Error(`Zoom fixtures not found at ${FIXTURES} (expected ../shared beside the repository)`);
  const files = readdirSync(FIXTURES).filter((name) => name.startsWith('captured__') && name.endsWith('.json')).sort();
  if (files.length < 10) throw new Error(`only ${files.length} captured fixtures in ${FIXTURES}`);
  return files.map((file) => ({ file, body: readJson(path.join(FIXTURES, file)) as Body }));
}

const CAPTURES = captures();
const capturesOf = (name: string) => CAPTURES.filter((capture) => capture.body.event === name);

/** Scenarios over several seeds and meetings, so that every random branch (guest or not, …) shows up. */
const SCENARIO: ZoomEvent[] = [1, 2, 3, 4, 5, 6, 7, 8].flatMap((seed) => createEventScenario({ seed, meetings: 3 }));
const simulated = (name: string) => SCENARIO.filter((event) => event.event === name);

/**
 * The structure of a JSON value as `path: type` lines, sorted. Array elements share the path `[]`, so an
 * array contributes the union of its elements' structures (per-element checks are separate tests).
 */
function shape(value: unknown, at = ''): string[] {
  const here = `${at || '.'}: ${typeOf(value)}`;
  if (Array.isArray(value)) return [...new Set([here, ...value.flatMap((item) => shape(item, `${at}[]`))])].sort();
  if (value !== null && typeof value === 'object') {
    return [here, ...Object.entries(value).flatMap(([key, child]) => shape(child, `${at}.${key}`))].sort();
  }
  return [here];
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

type Participant = Record<string, string>;
const objectOf = (event: { payload: unknown }) => (event.payload as { object: Record<string, unknown> }).object;
const participantOf = (event: { payload: unknown }) => objectOf(event).participant as Participant;

/** The participant events of each simulated meeting (by meeting uuid), in scenario order. */
function meetings(): Map<string, ZoomEvent[]> {
  const byMeeting = new Map<string, ZoomEvent[]>();
  for (const event of SCENARIO) {
    if (!event.event.startsWith('meeting.participant_')) continue;
    const key = `${objectOf(event).uuid as string}/${objectOf(event).id as string}`;
    byMeeting.set(key, [...(byMeeting.get(key) ?? []), event]);
  }
  return byMeeting;
}

describe('event shapes match the captured bodies', () => {
  const names = [...new Set(SCENARIO.map((event) => event.event))].filter((name) => capturesOf(name).length > 0);

  it('covers every live, CRUD and recording event the scenario emits', () => {
    expect(names.sort()).toEqual(
      ['meeting.created', 'meeting.ended', 'meeting.participant_joined', 'meeting.participant_left', 'meeting.started', 'recording.completed'].sort(),
    );
  });

  it.each(names)('%s: every simulated body has the key paths and JS types of a captured one', (name) => {
    const real = capturesOf(name).map((capture) => ({ file: capture.file, shape: shape(capture.body) }));
    for (const event of simulated(name)) {
      const mine = shape(event);
      const closest = real
        .map((capture) => ({ ...capture, missing: capture.shape.filter((line) => !mine.includes(line)), extra: mine.filter((line) => !capture.shape.includes(line)) }))
        .sort((a, b) => a.missing.length + a.extra.length - (b.missing.length + b.extra.length))[0]!;
      expect({ closest: closest.file, missing: closest.missing, extra: closest.extra }).toEqual({ closest: closest.file, missing: [], extra: [] });
    }
  });

  it('recording.completed: each file has the fields of the captured file of its kind (the timeline has no play_url)', () => {
    const [capture] = capturesOf('recording.completed');
    const realFiles = objectOf(capture!.body).recording_files as Array<Record<string, unknown>>;
    const realByType = new Map(realFiles.map((file) => [file.recording_type as string, shape(file)]));
    const realVideo = realByType.get('shared_screen_with_speaker_view')!;
    expect(realByType.get('timeline')).not.toContain('.play_url: string');

    const recordings = simulated('recording.completed');
    expect(recordings.length).toBe(24);
    for (const recording of recordings) {
      const object = objectOf(recording);
      const files = object.recording_files as Array<Record<string, unknown>>;
      for (const file of files) {
        const type = file.recording_type as string;
        expect({ type, shape: shape(file) }).toEqual({ type, shape: realByType.get(type) ?? realVideo });
        expect(file.meeting_id).toBe(object.uuid);
        expect(file.download_url).toMatch(/^https:\/\/[^/]+\/rec\/webhook_download\/[^/]+\/[^/]+$/);
      }
      expect(object.recording_count).toBe(files.length);
      expect(object.total_size).toBe(files.reduce((sum, file) => sum + (file.file_size as number), 0));
      expect(new Set(files.map((file) => file.recording_type))).toEqual(new Set([...realByType.keys(), 'shared_screen_with_gallery_view', 'gallery_view', 'active_speaker', 'shared_screen']));
    }
  });

  it('recording.completed: download_token is a JWT beside payload, with the captured header and claims and a placeholder signature', () => {
    const [capture] = capturesOf('recording.completed');
    const realToken = capture!.body.download_token as string;
    const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
    const [realHeader, realClaims] = realToken.split('.');
    for (const recording of simulated('recording.completed')) {
      expect(recording.payload).not.toHaveProperty('download_token');
      const parts = recording.download_token!.split('.');
      expect(parts).toHaveLength(3);
      expect(decode(parts[0]!)).toEqual(decode(realHeader!));
      expect(decode(parts[1]!)).toEqual(decode(realClaims!));
      expect(parts[2]).toMatch(/^[A-Za-z0-9_-]{86}$/);
    }
  });
});

describe('meeting id type by event', () => {
  const expected: Record<string, 'string' | 'number'> = {
    'meeting.created': 'number',
    'meeting.updated': 'number',
    'meeting.deleted': 'number',
    'recording.completed': 'number',
    'meeting.started': 'string',
    'meeting.ended': 'string',
    'meeting.participant_joined': 'string',
    'meeting.participant_left': 'string',
  };

  it('is what the captures show (protocol §6)', () => {
    for (const [name, type] of Object.entries(expected)) {
      const real = capturesOf(name);
      expect(real.length, name).toBeGreaterThan(0);
      for (const capture of real) expect(typeof objectOf(capture.body).id, capture.file).toBe(type);
    }
  });

  it('is what the simulator emits, and the string and the number name the same meeting', () => {
    for (const [name, type] of Object.entries(expected)) {
      for (const event of simulated(name)) expect(typeof objectOf(event).id, name).toBe(type);
    }
    expect(simulated('meeting.created').length).toBe(24);
    for (const created of simulated('meeting.created')) {
      const { id, uuid } = objectOf(created);
      const live = SCENARIO.filter((event) => event.event !== 'meeting.created' && objectOf(event).uuid === uuid);
      expect(live.map((event) => event.event)).toContain('meeting.started');
      for (const event of live) expect(String(objectOf(event).id)).toBe(String(id));
    }
  });
});

describe('participants', () => {
  it('guests have an empty id, participant_user_id and email, as captured; signed-in people have all three', () => {
    const capturedGuest = participantOf(capturesOf('meeting.participant_joined').find((c) => c.file.includes('2025-06-04'))!.body);
    expect([capturedGuest.id, capturedGuest.participant_user_id, capturedGuest.email]).toEqual(['', '', '']);

    let guests = 0;
    let signedIn = 0;
    for (const event of [...simulated('meeting.participant_joined'), ...simulated('meeting.participant_left')]) {
      const who = participantOf(event);
      if (who.id === '') {
        guests += 1;
        expect([who.participant_user_id, who.email]).toEqual(['', '']);
      } else {
        signedIn += 1;
        expect(who.participant_user_id).toBe(who.id);
        expect(who.email).toMatch(/@/);
      }
      expect(who.user_name).not.toBe('');
    }
    expect(guests).toBeGreaterThan(0);
    expect(signedIn).toBeGreaterThan(0);
  });

  it('the host is signed in: its participant id is the host_id', () => {
    for (const events of meetings().values()) {
      const hostId = objectOf(events[0]!).host_id;
      expect(events.some((event) => participantOf(event).id === hostId)).toBe(true);
    }
  });

  it('every join has its own user_id, shaped like the captured ones, and one leave with that user_id', () => {
    const capturedIds = CAPTURES.filter((c) => c.body.event.startsWith('meeting.participant_') && participantOf(c.body).user_id)
      .map((c) => participantOf(c.body).user_id!);
    expect(capturedIds.every((id) => /^\d{8,9}$/.test(id))).toBe(true);

    for (const events of meetings().values()) {
      const joins = events.filter((event) => event.event === 'meeting.participant_joined').map((event) => participantOf(event).user_id!);
      const leaves = events.filter((event) => event.event === 'meeting.participant_left').map((event) => participantOf(event).user_id!);
      expect(new Set(joins).size).toBe(joins.length);
      expect([...leaves].sort()).toEqual([...joins].sort());
      for (const id of joins) expect(id).toMatch(/^\d{8,9}$/);
    }
  });

  it('a participant who gets disconnected and rejoins comes back under a new user_id and the same participant_uuid', () => {
    for (const events of meetings().values()) {
      const dropped = events.filter((event) => participantOf(event).leave_reason === 'got disconnected from the meeting. Reason : Client Close.');
      expect(dropped).toHaveLength(1);
      const who = participantOf(dropped[0]!);
      const joins = events.filter((event) => event.event === 'meeting.participant_joined' && participantOf(event).participant_uuid === who.participant_uuid);
      expect(joins).toHaveLength(2);
      const [first, again] = joins.map((event) => participantOf(event));
      expect(first!.user_id).toBe(who.user_id);
      expect(again!.user_id).not.toBe(who.user_id);
      expect(Date.parse(again!.join_time!)).toBeGreaterThan(Date.parse(who.leave_time!));
      expect([again!.user_name, again!.id, again!.email]).toEqual([who.user_name, who.id, who.email]);
    }
  });

  it('uses only leave_reason wordings seen in captured traffic, and each of them', () => {
    const real = new Set(CAPTURES.map((c) => (c.body.event === 'meeting.participant_left' ? participantOf(c.body).leave_reason : undefined)).filter(Boolean));
    expect(real.size).toBe(3);
    // The protocol doc wraps lines, so compare with its whitespace collapsed.
    const protocol = readFileSync(path.resolve(FIXTURES, '..', '..', 'zoom-protocol.md'), 'utf8').replace(/\s+/g, ' ');
    expect(protocol).toContain('left the meeting. Reason : left the meeting');
    expect(protocol).toContain('got disconnected from the meeting. Reason : Client Close.');

    const mine = new Set(simulated('meeting.participant_left').map((event) => participantOf(event).leave_reason));
    expect(mine).toEqual(real);
  });

  it('a breakout move is a left/joined pair: same person and second, new user_id, event_ts within a second in either order', () => {
    const [capture] = CAPTURES.filter((c) => c.file.includes('_breakout'));
    const breakoutReason = participantOf(capture!.body).leave_reason;
    expect(breakoutReason).toMatch(/to join breakout room$/);

    let joinedFirst = 0;
    for (const events of meetings().values()) {
      const moves = events.filter((event) => participantOf(event).leave_reason === breakoutReason);
      expect(moves).toHaveLength(1);
      const left = moves[0]!;
      const who = participantOf(left);
      const joined = events.find((event) => event.event === 'meeting.participant_joined' && participantOf(event).participant_uuid === who.participant_uuid && participantOf(event).join_time === who.leave_time);
      expect(joined, 'the joined half of the pair').toBeDefined();
      expect(participantOf(joined!).user_id).not.toBe(who.user_id);
      expect(Math.abs(joined!.event_ts - left.event_ts)).toBeLessThan(1_000);
      if (joined!.event_ts < left.event_ts) joinedFirst += 1;
      // The person stays in the meeting under the new user_id until a plain leave.
      const later = events.filter((event) => event.event === 'meeting.participant_left' && participantOf(event).user_id === participantOf(joined!).user_id);
      expect(later.map((event) => participantOf(event).leave_reason)).toEqual(['left the meeting. Reason : left the meeting']);
    }
    // As in the capture, the joined half is sometimes stamped before the left half.
    expect(joinedFirst).toBeGreaterThan(0);
  });
});

describe('token', () => {
  const sims: ZoomSimulator[] = [];
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((sim) => sim.stop()));
  });

  it('expires_in is 3600 by default, as in the real Server-to-Server response', async () => {
    const real = readJson(path.join(FIXTURES, 'oauth', 'token_200_real_client_credentials.json')) as { expires_in: number };
    expect(real.expires_in).toBe(3600);
    const sim = await createZoomSimulator();
    sims.push(sim);
    const { accountId, clientId, clientSecret } = sim.credentials;
    const response = await fetch(`${sim.oauthUrl}?grant_type=account_credentials&account_id=${accountId}`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
    });
    expect(((await response.json()) as { expires_in: number }).expires_in).toBe(real.expires_in);
  });
});

/** A raw subscriber that records every event the simulator delivers, in arrival order. */
async function subscriber(sim: ZoomSimulator): Promise<{ events: ZoomEvent[]; socket: WebSocket }> {
  const { clientId, clientSecret, accountId, subscriptionId } = sim.credentials;
  const response = await fetch(`${sim.oauthUrl}?grant_type=account_credentials&account_id=${accountId}`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
  });
  const { access_token: token } = (await response.json()) as { access_token: string };
  const socket = new WebSocket(`${sim.wsUrl}?${new URLSearchParams({ subscriptionId, access_token: token })}`);
  const events: ZoomEvent[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { module: string; success: boolean; content: string };
      if (frame.module === 'build_connection' && frame.success) resolve();
      if (frame.module === 'message') events.push(JSON.parse(frame.content) as ZoomEvent);
    });
    socket.once('error', reject);
  });
  return { events, socket };
}

describe('delivery jitter', () => {
  const sims: ZoomSimulator[] = [];
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    await Promise.all(sims.splice(0).map((sim) => sim.stop()));
  });

  const playlist = createEventScenario({ seed: 2, meetings: 3 });
  const key = (event: ZoomEvent) => `${event.event}@${event.event_ts}`;

  /** Plays the playlist once and returns what one subscriber received, in arrival order. */
  async function deliver(options: ZoomSimulatorOptions, intervalMs = 0, restamp = false): Promise<ZoomEvent[]> {
    const sim = await createZoomSimulator(options);
    sims.push(sim);
    const { events, socket } = await subscriber(sim);
    sockets.push(socket);
    await sim.play(playlist, { intervalMs, restamp }).done;
    await eventually(() => (events.length >= playlist.length ? undefined : `${events.length} of ${playlist.length}`), 'every event');
    return events;
  }

  it('is off by default: list order', async () => {
    expect((await deliver({})).map(key)).toEqual(playlist.map(key));
  });

  it('reorders neighbours with a seed, losing and duplicating nothing', async () => {
    const received = await deliver({ deliveryJitter: { seed: 11 } });
    expect(received.map(key)).not.toEqual(playlist.map(key));
    expect([...received.map(key)].sort()).toEqual([...playlist.map(key)].sort());
    expect(new Set(received.map(key)).size).toBe(playlist.length);
    const inversions = received.filter((event, i) => i > 0 && event.event_ts < received[i - 1]!.event_ts).length;
    expect(inversions).toBeGreaterThan(0);
    // With intervalMs 0 nothing is held back: each event is at most one place from where it was.
    received.forEach((event, i) => expect(Math.abs(playlist.findIndex((p) => key(p) === key(event)) - i)).toBeLessThanOrEqual(1));
  });

  it('is deterministic per seed', async () => {
    const once = (await deliver({ deliveryJitter: { seed: 11 } })).map(key);
    const again = (await deliver({ deliveryJitter: { seed: 11 } })).map(key);
    const other = (await deliver({ deliveryJitter: { seed: 12 } })).map(key);
    expect(again).toEqual(once);
    expect(other).not.toEqual(once);
  });

  it('holds some events back so that later ones overtake them; restamped, a late event keeps its older event_ts', async () => {
    const intervalMs = 10;
    const jitter = { seed: 4, reorderProbability: 0, delayProbability: 0.2, maxDelayMs: 60 };
    const plan = planPass(playlist.length, intervalMs, { settings: jitter, random: new SeededRandom(jitter.seed) });
    expect(plan.filter((send) => send.lateness > 0).length).toBeGreaterThan(0);
    expect(plan.filter((send) => send.lateness === 0).every((send) => send.at === send.index * intervalMs)).toBe(true);
    const overtaken = plan.findIndex((send, i) => i > 0 && send.index < plan[i - 1]!.index);
    expect(overtaken).toBeGreaterThan(0);

    const sim = await createZoomSimulator({ deliveryJitter: jitter });
    sims.push(sim);
    const { events, socket } = await subscriber(sim);
    sockets.push(socket);
    // A fake clock makes the restamped event_ts exact: the time each event would have had in order.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const start = Date.now();
      const playback = sim.play(playlist, { intervalMs, restamp: true });
      await vi.advanceTimersByTimeAsync(plan.at(-1)!.at + 1);
      await playback.done;
      vi.useRealTimers();
      await eventually(() => (events.length >= playlist.length ? undefined : `${events.length} of ${playlist.length}`), 'every event');
      expect(events.map((event) => event.event)).toEqual(plan.map((send) => playlist[send.index]!.event));
      // Each event_ts is the in-order time of its event (a zero-delay timer still takes 1 ms: a little drift).
      events.forEach((event, i) => {
        const drift = event.event_ts - (start + plan[i]!.index * intervalMs);
        expect(drift).toBeGreaterThanOrEqual(0);
        expect(drift).toBeLessThan(intervalMs);
      });
      expect(events[overtaken]!.event_ts).toBeLessThan(events[overtaken - 1]!.event_ts);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects settings that cannot work', async () => {
    await expect(createZoomSimulator({ deliveryJitter: { reorderProbability: 1.5 } })).rejects.toThrow(/reorderProbability must be between 0 and 1/);
    await expect(createZoomSimulator({ deliveryJitter: { maxDelayMs: -1 } })).rejects.toThrow(/maxDelayMs/);
  });

  it('zoom-ws simulate --jitter delivers the looping script out of event_ts order', async () => {
    const simulate = runCli(['simulate', '--event-interval', '10', '--jitter']);
    try {
      await simulate.waitFor(() => simulate.stdoutLines().length >= 6, 'env lines');
      const env = Object.fromEntries(simulate.stdoutLines().map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
      const listen = runCli(['listen'], env);
      try {
        await listen.waitFor(() => listen.stdoutLines().length >= 80, '80 events', 10_000);
      } finally {
        listen.child.kill('SIGTERM');
        await listen.exit;
      }
      const stamps = listen.stdoutLines().map((line) => (JSON.parse(line) as ZoomEvent).event_ts);
      expect(stamps.some((ts, i) => i > 0 && ts < stamps[i - 1]!)).toBe(true);
    } finally {
      simulate.child.kill('SIGINT');
      expect((await simulate.exit).code).toBe(0);
    }
  });
});
