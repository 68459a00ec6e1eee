/**
 * Who is in a simulated meeting and when: joins, leaves, a disconnect-and-rejoin and a breakout move, as the
 * `meeting.participant_joined`/`meeting.participant_left` events real Zoom traffic carries
 * (`shared/zoom-protocol.md` §6, `fixtures/zoom-events/captured__meeting.participant_*`).
 */
import type { SeededRandom } from './random.js';
import { isoSeconds, MINUTE, type Person, type Timed } from './scenario-common.js';

/** The `leave_reason` wordings seen in captured traffic, verbatim (spaces around the colon included). */
export const LEAVE_REASONS = {
  left: 'left the meeting. Reason : left the meeting',
  breakout: 'left the meeting. Reason : left the meeting to join breakout room',
  disconnected: 'got disconnected from the meeting. Reason : Client Close.',
} as const;

/** One stay in the meeting under one `user_id`. */
interface Session {
  userId: string;
  joinedAt: number;
  /** `event_ts` of the joined event; differs from `joinedAt` only inside a breakout pair. */
  joinedTs: number;
  leftAt: number;
  leftTs: number;
  leaveReason: string;
}

interface Attendee {
  name: string;
  /** Zoom user id, `''` for a guest (not signed in). */
  zoomId: string;
  /** `''` for a guest. */
  email: string;
  /** Stable across rejoins (protocol §6), while `user_id` changes. */
  participantUuid: string;
  publicIp: string;
  privateIp: string;
  sessions: Session[];
}

/** Hands out `user_id`s shaped like captured ones (`16778240`, `83887104`): a fresh one for every join. */
class UserIds {
  private joins: number;

  constructor(random: SeededRandom) {
    this.joins = random.int(1, 64);
  }

  /** `generation` grows with each breakout move of the same person, as the high byte does in captures. */
  next(generation: number): string {
    this.joins += 1;
    return String(16_777_216 * generation + 1_024 * this.joins);
  }
}

/**
 * The host (signed in) joins first and leaves last; 3 to 6 others come and go in between. The first of them
 * and about half of the rest are guests, with an empty `id`, `participant_user_id` and `email`. One of them
 * gets disconnected and rejoins (new `user_id`), another moves to a breakout room (a left/joined pair in the
 * same second, as captured).
 */
export function participantEvents(
  random: SeededRandom,
  accountId: string,
  meeting: Record<string, unknown>,
  host: Person,
  people: () => Person,
  startedAt: number,
  endedAt: number,
): Timed[] {
  const userIds = new UserIds(random);
  const attendee = (who: Person, signedIn: boolean, joinedAt: number, leftAt: number): Attendee => ({
    name: `${who.firstName} ${who.lastName}`,
    zoomId: signedIn ? who.id : '',
    email: signedIn ? who.email : '',
    participantUuid: random.uuid().toUpperCase(),
    // Documentation address ranges (RFC 5737, RFC 1918): placeholders of the captured form.
    publicIp: `203.0.113.${random.int(1, 254)}`,
    privateIp: `192.168.${random.int(0, 255)}.${random.int(1, 254)}`,
    sessions: [session(userIds.next(1), joinedAt, leftAt, LEAVE_REASONS.left)],
  });

  const attendees = [attendee(host, true, startedAt + random.int(1_000, 5_000), endedAt - random.int(1_000, 5_000))];
  const others = random.int(3, 6);
  for (let i = 0; i < others; i += 1) {
    const who = people();
    const signedIn = i > 0 && random.float() < 0.5;
    const joinedAt = startedAt + random.int(10_000, 8 * MINUTE);
    const leftAt = endedAt - random.int(10_000, 10 * MINUTE);
    attendees.push(attendee(who, signedIn, joinedAt, Math.max(leftAt, joinedAt + MINUTE)));
  }

  const rejoiner = random.int(1, attendees.length - 1);
  const mover = 1 + ((rejoiner - 1 + random.int(1, attendees.length - 2)) % (attendees.length - 1));
  disconnectAndRejoin(random, userIds, attendees[rejoiner]!);
  moveToBreakoutRoom(random, userIds, attendees[mover]!);

  return attendees.flatMap((who) =>
    who.sessions.flatMap((stay) => [
      {
        ts: stay.joinedTs,
        event: 'meeting.participant_joined',
        payload: {
          account_id: accountId,
          object: {
            ...meeting,
            participant: {
              id: who.zoomId,
              email: who.email,
              user_id: stay.userId,
              join_time: isoSeconds(stay.joinedAt),
              public_ip: who.publicIp,
              user_name: who.name,
              participant_uuid: who.participantUuid,
              participant_user_id: who.zoomId,
            },
          },
        },
      },
      {
        ts: stay.leftTs,
        event: 'meeting.participant_left',
        payload: {
          account_id: accountId,
          object: {
            ...meeting,
            participant: {
              id: who.zoomId,
              email: who.email,
              user_id: stay.userId,
              public_ip: who.publicIp,
              user_name: who.name,
              leave_time: isoSeconds(stay.leftAt),
              private_ip: who.privateIp,
              leave_reason: stay.leaveReason,
              registrant_id: '',
              participant_uuid: who.participantUuid,
              participant_user_id: who.zoomId,
            },
          },
        },
      },
    ]),
  );
}

function session(userId: string, joinedAt: number, leftAt: number, leaveReason: string): Session {
  return { userId, joinedAt, joinedTs: joinedAt, leftAt, leftTs: leftAt, leaveReason };
}

/** The client drops out ("Client Close.") and comes back seconds later under a new `user_id`. */
function disconnectAndRejoin(random: SeededRandom, userIds: UserIds, who: Attendee): void {
  const stay = who.sessions[0]!;
  const span = stay.leftAt - stay.joinedAt;
  const droppedAt = stay.joinedAt + Math.round(span * (0.3 + random.float() * 0.2));
  const backAt = droppedAt + random.int(5_000, Math.max(5_000, Math.floor(span * 0.3)));
  who.sessions = [
    session(stay.userId, stay.joinedAt, droppedAt, LEAVE_REASONS.disconnected),
    session(userIds.next(1), backAt, stay.leftAt, stay.leaveReason),
  ];
}

/**
 * A move to a breakout room: left ("… to join breakout room") and joined with a new `user_id`, the same
 * `participant_uuid` and the same second as `leave_time`/`join_time`. The two `event_ts` are within a few
 * hundred milliseconds, in either order (in the capture the joined one is even stamped first).
 */
function moveToBreakoutRoom(random: SeededRandom, userIds: UserIds, who: Attendee): void {
  const last = who.sessions.length - 1;
  const stay = who.sessions[last]!;
  // Whole seconds, so that leave_time and join_time are the same string as in the capture.
  const movedAt = Math.floor((stay.joinedAt + (stay.leftAt - stay.joinedAt) * (0.4 + random.float() * 0.2)) / 1_000) * 1_000;
  const before = session(stay.userId, stay.joinedAt, movedAt, LEAVE_REASONS.breakout);
  before.leftTs = movedAt + random.int(0, 400);
  const after = session(userIds.next(2), movedAt, stay.leftAt, stay.leaveReason);
  after.joinedTs = movedAt + random.int(0, 400);
  who.sessions = [...who.sessions.slice(0, last), before, after];
}
