/** What the pieces of the event scenario share: the people, the meeting and the time format. */

export const MINUTE = 60_000;
export const EMAIL_DOMAIN = 'example.com';
/** Host of every Zoom web URL the scenario writes: a placeholder, never a real tenant (real ones look like `us06web.zoom.us`). */
export const ZOOM_WEB_HOST = 'example.zoom.us';

export interface Person {
  /** Zoom user id (22 characters). */
  id: string;
  firstName: string;
  lastName: string;
  email: string;
}

export interface Meeting {
  uuid: string;
  /** The meeting number. CRUD and recording events carry it as a number, live events as a string. */
  id: number;
  host: Person;
  topic: string;
  timezone: string;
  scheduledStart: number;
  plannedDuration: number;
}

/** An event with its time, before the list is sorted and stamped. */
export interface Timed {
  ts: number;
  event: string;
  payload: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

/** Zoom's timestamp format: ISO 8601 in UTC without milliseconds. */
export function isoSeconds(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
