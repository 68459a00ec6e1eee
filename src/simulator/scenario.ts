/**
 * Realistic, deterministic event streams for tests and demos, in the shapes real Zoom traffic has
 * (`shared/zoom-protocol.md` §6, `fixtures/zoom-events/captured__*`): the meeting `id` is a number in CRUD and
 * recording events and a string in live events; guests have empty ids and e-mail; `user_id` changes on every
 * rejoin; `leave_reason` uses Zoom's wordings; a breakout move is a left/joined pair.
 */
import { SeededRandom } from './random.js';
import { participantEvents } from './scenario-attendees.js';
import { EMAIL_DOMAIN, isoSeconds, MINUTE, ZOOM_WEB_HOST, type Meeting, type Person, type Timed } from './scenario-common.js';
import { recordingCompleted } from './scenario-recording.js';
import type { ZoomEvent } from './types.js';

export interface EventScenarioOptions {
  /** Seed of the PRNG: the same seed (and options) always gives the same events. Default `1`. */
  seed?: number;
  /** `account_id` of every payload. Default `'sim-account'` (the simulator's default account). */
  accountId?: string;
  /** How many meetings, one after the other. Default `1`. */
  meetings?: number;
  /**
   * `event_ts` of the first event, epoch milliseconds. Default `1736949600000` (2025-01-15T14:00:00Z):
   * fixed rather than `Date.now()` so that the seed alone decides the output.
   */
  startTs?: number;
}

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Katherine', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Radia'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Johnson', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov', 'Thompson', 'Perlman'];
const TOPICS = ['Weekly sync', 'Sprint planning', 'Customer onboarding', 'Design review', 'All hands', 'Incident retro'];
const TIMEZONES = ['America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'America/Los_Angeles', 'Europe/London'];
const JOB_TITLES = ['Engineer', 'Product Manager', 'Support Lead', 'Designer'];
/** `creation_source` values of Zoom's meeting schema (`open_api` is the captured one). */
const CREATION_SOURCES = ['open_api', 'web_portal'];

/**
 * A realistic list of events in `event_ts` order: `user.created` and `user.updated`, then per meeting
 * `meeting.created` → `meeting.started` → `meeting.participant_joined`/`meeting.participant_left` (the host
 * signed in, guests with empty `id`/`participant_user_id`/`email`, one disconnect-and-rejoin under a new
 * `user_id`, one breakout move as a left/joined pair) → `meeting.ended` → `recording.completed` (about 8 KB,
 * `download_token` beside `payload`). `event_ts` strictly increases; real delivery is not in that order, which
 * the simulator's `deliveryJitter` reproduces when playing the list.
 */
export function createEventScenario(options: EventScenarioOptions = {}): ZoomEvent[] {
  const random = new SeededRandom(options.seed ?? 1);
  const accountId = options.accountId ?? 'sim-account';
  const meetingCount = options.meetings ?? 1;
  const startTs = options.startTs ?? 1_736_949_600_000;
  if (!Number.isInteger(meetingCount) || meetingCount < 0) {
    throw new RangeError(`meetings must be a non-negative integer, got ${meetingCount}`);
  }

  const admin = person(random);
  const newUser = person(random);
  const colleagues = [newUser, person(random), person(random)];
  const timeline: Timed[] = [...userEvents(random, accountId, admin, newUser, startTs)];

  let clock = startTs + 10 * MINUTE;
  for (let index = 0; index < meetingCount; index += 1) {
    const meeting = plannedMeeting(random, index === 0 ? newUser : random.pick(colleagues), clock);
    const events = meetingEvents(random, accountId, admin, meeting, clock);
    timeline.push(...events);
    clock = Math.max(...events.map((event) => event.ts)) + random.int(5, 30) * MINUTE;
  }
  return stamp(timeline);
}

/** Sorts by time and makes `event_ts` strictly increasing (two events in the same millisecond are bumped). */
function stamp(timeline: Timed[]): ZoomEvent[] {
  const sorted = [...timeline].sort((a, b) => a.ts - b.ts);
  let last = -Infinity;
  return sorted.map(({ ts, event, payload, extra }) => {
    const eventTs = Math.max(ts, last + 1);
    last = eventTs;
    return { event, event_ts: eventTs, payload, ...extra };
  });
}

function person(random: SeededRandom): Person {
  const firstName = random.pick(FIRST_NAMES);
  const lastName = random.pick(LAST_NAMES);
  const email = `${firstName}.${lastName}${random.int(1, 99)}@${EMAIL_DOMAIN}`.toLowerCase();
  return { id: random.base62(22), firstName, lastName, email };
}

function userEvents(random: SeededRandom, accountId: string, admin: Person, user: Person, startTs: number): Timed[] {
  const created: Timed = {
    ts: startTs,
    event: 'user.created',
    payload: {
      account_id: accountId,
      operator: admin.email,
      operator_id: admin.id,
      creation_type: 'create',
      object: {
        id: user.id,
        first_name: user.firstName,
        last_name: user.lastName,
        display_name: `${user.firstName} ${user.lastName}`,
        email: user.email,
        type: 1,
      },
    },
  };
  const updatedTs = startTs + random.int(1, 5) * MINUTE;
  const updated: Timed = {
    ts: updatedTs,
    event: 'user.updated',
    payload: {
      account_id: accountId,
      operator: admin.email,
      operator_id: admin.id,
      time_stamp: updatedTs,
      object: { id: user.id, job_title: random.pick(JOB_TITLES), timezone: random.pick(TIMEZONES) },
      old_object: { id: user.id, job_title: '', timezone: '' },
    },
  };
  return [created, updated];
}

function plannedMeeting(random: SeededRandom, host: Person, createdAt: number): Meeting {
  return {
    uuid: random.bytes(16).toString('base64'),
    id: Number(random.digits(11)),
    host,
    topic: random.pick(TOPICS),
    timezone: random.pick(TIMEZONES),
    // Scheduled on a whole minute, 15 to 45 minutes after creation.
    scheduledStart: Math.ceil((createdAt + random.int(15, 45) * MINUTE) / MINUTE) * MINUTE,
    plannedDuration: random.pick([30, 45, 60]),
  };
}

function meetingEvents(random: SeededRandom, accountId: string, admin: Person, meeting: Meeting, createdAt: number): Timed[] {
  const startedAt = meeting.scheduledStart + random.int(-2 * MINUTE, 3 * MINUTE);
  const endedAt = startedAt + meeting.plannedDuration * MINUTE + random.int(-5 * MINUTE, 5 * MINUTE);
  const described = {
    type: 2,
    uuid: meeting.uuid,
    topic: meeting.topic,
    host_id: meeting.host.id,
    duration: meeting.plannedDuration,
    timezone: meeting.timezone,
  };
  // Live events carry the meeting number as a string and the actual start; CRUD events a number and the plan.
  const live = { id: String(meeting.id), ...described, start_time: isoSeconds(startedAt) };

  const events: Timed[] = [
    {
      ts: createdAt,
      event: 'meeting.created',
      payload: {
        object: {
          id: meeting.id,
          ...described,
          join_url: `https://${ZOOM_WEB_HOST}/j/${meeting.id}?pwd=${random.base62(32)}`,
          password: random.base62(6),
          settings: { use_pmi: false, jbh_time: 0, join_before_host: false, meeting_invitees: [], alternative_hosts: '' },
          start_time: isoSeconds(meeting.scheduledStart),
          creation_source: random.pick(CREATION_SOURCES),
        },
        operator: admin.email,
        account_id: accountId,
        operator_id: admin.id,
      },
    },
    { ts: startedAt, event: 'meeting.started', payload: { object: live, account_id: accountId } },
    ...participantEvents(random, accountId, live, meeting.host, () => person(random), startedAt, endedAt),
    {
      ts: endedAt + 1_000,
      event: 'meeting.ended',
      payload: { object: { ...live, end_time: isoSeconds(endedAt) }, account_id: accountId },
    },
  ];
  const completedAt = endedAt + random.int(3, 10) * MINUTE;
  events.push(recordingCompleted(random, accountId, meeting, startedAt, endedAt, completedAt));
  return events;
}
