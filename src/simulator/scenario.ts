/**
 * Realistic, deterministic event streams for tests and demos. Payloads follow the shapes of Zoom's webhook
 * documentation (`{account_id, object: {...}}`), which the WebSocket delivers unchanged.
 */
import { SeededRandom } from './random.js';
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
const EMAIL_DOMAIN = 'example.com';

const MINUTE = 60_000;

/** The recording files Zoom typically produces for a cloud-recorded meeting. */
const RECORDING_KINDS = [
  { recording_type: 'shared_screen_with_speaker_view', file_type: 'MP4', file_extension: 'MP4', bytesPerMinute: 4_500_000 },
  { recording_type: 'gallery_view', file_type: 'MP4', file_extension: 'MP4', bytesPerMinute: 3_800_000 },
  { recording_type: 'audio_only', file_type: 'M4A', file_extension: 'M4A', bytesPerMinute: 480_000 },
  { recording_type: 'timeline', file_type: 'TIMELINE', file_extension: 'JSON', bytesPerMinute: 2_000 },
  { recording_type: 'audio_transcript', file_type: 'TRANSCRIPT', file_extension: 'VTT', bytesPerMinute: 1_200 },
  { recording_type: 'chat_file', file_type: 'CHAT', file_extension: 'TXT', bytesPerMinute: 150 },
  { recording_type: 'closed_caption', file_type: 'CC', file_extension: 'VTT', bytesPerMinute: 1_100 },
] as const;

interface Person {
  /** Zoom user id (22 characters). */
  id: string;
  firstName: string;
  lastName: string;
  email: string;
}

interface Meeting {
  uuid: string;
  id: number;
  host: Person;
  topic: string;
  timezone: string;
  scheduledStart: number;
  plannedDuration: number;
}

/** An event with its time, before the list is sorted and stamped. */
interface Timed {
  ts: number;
  event: string;
  payload: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

/**
 * A realistic ordered list of events: `user.created` and `user.updated`, then per meeting
 * `meeting.created` → `meeting.started` → `meeting.participant_joined`/`meeting.participant_left` →
 * `meeting.ended` → `recording.completed` (about 8 KB, like the real one). `event_ts` strictly increases.
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
  const base = {
    id: meeting.id,
    uuid: meeting.uuid,
    host_id: meeting.host.id,
    topic: meeting.topic,
    type: 2,
    start_time: isoSeconds(meeting.scheduledStart),
    timezone: meeting.timezone,
    duration: meeting.plannedDuration,
  };
  const startedAt = meeting.scheduledStart + random.int(-2 * MINUTE, 3 * MINUTE);
  const endedAt = startedAt + meeting.plannedDuration * MINUTE + random.int(-5 * MINUTE, 5 * MINUTE);
  const events: Timed[] = [
    {
      ts: createdAt,
      event: 'meeting.created',
      payload: {
        account_id: accountId,
        operator: admin.email,
        operator_id: admin.id,
        operation: 'single',
        object: {
          ...base,
          join_url: `https://${EMAIL_DOMAIN.replace('.com', '')}.zoom.us/j/${meeting.id}?pwd=${random.base62(32)}`,
          password: random.base62(6),
          settings: { use_pmi: false, alternative_hosts: '', join_before_host: false, auto_recording: 'cloud' },
        },
      },
    },
    { ts: startedAt, event: 'meeting.started', payload: { account_id: accountId, object: { ...base, start_time: isoSeconds(startedAt) } } },
  ];

  const attendees = attendeesOf(random, meeting, startedAt, endedAt);
  for (const attendee of attendees) {
    const participant = {
      user_id: attendee.userId,
      user_name: attendee.name,
      id: attendee.zoomId,
      participant_uuid: attendee.participantUuid,
      email: attendee.email,
      registrant_id: '',
      participant_user_id: attendee.zoomId,
      customer_key: '',
      phone_number: '',
    };
    events.push({
      ts: attendee.joinedAt,
      event: 'meeting.participant_joined',
      payload: { account_id: accountId, object: { ...base, participant: { ...participant, join_time: isoSeconds(attendee.joinedAt) } } },
    });
    events.push({
      ts: attendee.leftAt,
      event: 'meeting.participant_left',
      payload: {
        account_id: accountId,
        object: {
          ...base,
          participant: {
            ...participant,
            leave_time: isoSeconds(attendee.leftAt),
            leave_reason: 'left the meeting.<br>Reason : left the meeting',
          },
        },
      },
    });
  }

  events.push({
    ts: endedAt + 1_000,
    event: 'meeting.ended',
    payload: {
      account_id: accountId,
      object: { ...base, start_time: isoSeconds(startedAt), end_time: isoSeconds(endedAt) },
    },
  });
  const completedAt = endedAt + random.int(3, 10) * MINUTE;
  events.push(recordingCompleted(random, accountId, meeting, attendees, startedAt, endedAt, completedAt));
  return events;
}

interface Attendee {
  userId: string;
  zoomId: string;
  participantUuid: string;
  name: string;
  email: string;
  joinedAt: number;
  leftAt: number;
}

/** The host joins first and leaves last; 3 to 6 guests come and go in between. */
function attendeesOf(random: SeededRandom, meeting: Meeting, startedAt: number, endedAt: number): Attendee[] {
  const make = (who: Person, joinedAt: number, leftAt: number): Attendee => ({
    userId: random.digits(8),
    zoomId: who.id,
    participantUuid: random.uuid().toUpperCase(),
    name: `${who.firstName} ${who.lastName}`,
    email: who.email,
    joinedAt,
    leftAt,
  });
  const attendees = [make(meeting.host, startedAt + random.int(1_000, 5_000), endedAt - random.int(1_000, 5_000))];
  const guests = random.int(3, 6);
  for (let i = 0; i < guests; i += 1) {
    const joinedAt = startedAt + random.int(10_000, 8 * MINUTE);
    const leftAt = endedAt - random.int(10_000, 10 * MINUTE);
    attendees.push(make(person(random), joinedAt, Math.max(leftAt, joinedAt + MINUTE)));
  }
  return attendees;
}

function recordingCompleted(
  random: SeededRandom,
  accountId: string,
  meeting: Meeting,
  attendees: readonly Attendee[],
  startedAt: number,
  endedAt: number,
  completedAt: number,
): Timed {
  const recordingStart = isoSeconds(startedAt + 20_000);
  const recordingEnd = isoSeconds(endedAt);
  const minutes = Math.max(1, Math.round((endedAt - startedAt) / MINUTE));
  const recordingUrl = (kind: 'play' | 'download'): string =>
    `https://${EMAIL_DOMAIN.replace('.com', '')}.zoom.us/rec/${kind}/${random.base62(160)}`;

  const recordingFiles = RECORDING_KINDS.map((kind) => ({
    id: random.uuid(),
    meeting_id: meeting.uuid,
    recording_start: recordingStart,
    recording_end: recordingEnd,
    file_type: kind.file_type,
    file_extension: kind.file_extension,
    file_size: Math.round(kind.bytesPerMinute * minutes * (0.8 + random.float() * 0.4)),
    play_url: recordingUrl('play'),
    download_url: recordingUrl('download'),
    status: 'completed',
    recording_type: kind.recording_type,
  }));
  const participantAudioFiles = attendees.slice(0, 4).map((attendee) => ({
    id: random.uuid(),
    recording_start: recordingStart,
    recording_end: recordingEnd,
    file_name: `Audio only - ${attendee.name}`,
    file_type: 'M4A',
    file_extension: 'M4A',
    file_size: Math.round(480_000 * minutes * (0.8 + random.float() * 0.4)),
    download_url: recordingUrl('download'),
    status: 'completed',
  }));
  const totalSize = recordingFiles.reduce((sum, file) => sum + file.file_size, 0);

  return {
    ts: completedAt,
    event: 'recording.completed',
    payload: {
      account_id: accountId,
      object: {
        uuid: meeting.uuid,
        id: meeting.id,
        account_id: accountId,
        host_id: meeting.host.id,
        topic: meeting.topic,
        type: 2,
        start_time: isoSeconds(startedAt),
        timezone: meeting.timezone,
        host_email: meeting.host.email,
        duration: minutes,
        total_size: totalSize,
        recording_count: recordingFiles.length,
        share_url: `https://${EMAIL_DOMAIN.replace('.com', '')}.zoom.us/rec/share/${random.base62(64)}`,
        password: random.base62(8),
        recording_play_passcode: random.base62(32),
        recording_files: recordingFiles,
        participant_audio_files: participantAudioFiles,
      },
    },
    // Real recording.completed bodies carry a JWT for downloading the files next to the payload.
    extra: { download_token: `eyJ${random.base62(36)}.eyJ${random.base62(380)}.${random.base62(86)}` },
  };
}

/** Zoom's timestamp format: ISO 8601 in UTC without milliseconds. */
function isoSeconds(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
