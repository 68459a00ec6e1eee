import { z } from 'zod';

/**
 * The inner object of a `message` frame: the same shape as a Zoom webhook body.
 * Unknown fields are kept (`looseObject`) because Zoom adds fields without notice.
 */
export const zoomEventSchema = z.looseObject({
  event: z.string().min(1),
  event_ts: z.number(),
  payload: z.looseObject({}),
});

/** Any Zoom event. `payload` is typed per event name through {@link ZoomEventMap}. */
export interface ZoomEvent<TName extends string = string, TPayload = ZoomEventPayload> {
  event: TName;
  /** Epoch milliseconds at which Zoom produced the event. */
  event_ts: number;
  payload: TPayload;
  [extra: string]: unknown;
}

/** The envelope shared by every payload. */
export interface ZoomEventPayload<TObject = Record<string, unknown>> {
  account_id?: string;
  operator?: string;
  operator_id?: string;
  object: TObject;
  [extra: string]: unknown;
}

export interface MeetingObject {
  id: number | string;
  uuid: string;
  host_id: string;
  topic?: string;
  type?: number;
  start_time?: string;
  end_time?: string;
  timezone?: string;
  duration?: number;
  [extra: string]: unknown;
}

export interface ParticipantInfo {
  user_id?: string;
  user_name?: string;
  id?: string;
  participant_uuid?: string;
  email?: string;
  join_time?: string;
  leave_time?: string;
  leave_reason?: string;
  [extra: string]: unknown;
}

export interface MeetingParticipantObject extends MeetingObject {
  participant: ParticipantInfo;
}

export interface RecordingFile {
  id?: string;
  meeting_id?: string;
  recording_start?: string;
  recording_end?: string;
  file_type?: string;
  file_size?: number;
  play_url?: string;
  download_url?: string;
  status?: string;
  recording_type?: string;
  [extra: string]: unknown;
}

export interface RecordingObject extends MeetingObject {
  share_url?: string;
  total_size?: number;
  recording_count?: number;
  recording_files: RecordingFile[];
}

export interface UserObject {
  id: string;
  email?: string;
  first_name?: string;
  last_name?: string;
  type?: number;
  [extra: string]: unknown;
}

export interface WebinarObject extends MeetingObject {}
export interface WebinarParticipantObject extends WebinarObject {
  participant: ParticipantInfo;
}

/** Typed payloads of the common events; any other name falls back to {@link ZoomEventPayload}. */
export interface ZoomEventMap {
  'meeting.created': ZoomEventPayload<MeetingObject>;
  'meeting.updated': ZoomEventPayload<Partial<MeetingObject> & { id: number | string }>;
  'meeting.deleted': ZoomEventPayload<MeetingObject>;
  'meeting.started': ZoomEventPayload<MeetingObject>;
  'meeting.ended': ZoomEventPayload<MeetingObject>;
  'meeting.participant_joined': ZoomEventPayload<MeetingParticipantObject>;
  'meeting.participant_left': ZoomEventPayload<MeetingParticipantObject>;
  'recording.started': ZoomEventPayload<MeetingObject>;
  'recording.stopped': ZoomEventPayload<MeetingObject>;
  'recording.completed': ZoomEventPayload<RecordingObject>;
  'recording.deleted': ZoomEventPayload<RecordingObject>;
  'user.created': ZoomEventPayload<UserObject>;
  'user.updated': ZoomEventPayload<Partial<UserObject> & { id: string }>;
  'user.deleted': ZoomEventPayload<UserObject>;
  'user.deactivated': ZoomEventPayload<UserObject>;
  'webinar.created': ZoomEventPayload<WebinarObject>;
  'webinar.started': ZoomEventPayload<WebinarObject>;
  'webinar.ended': ZoomEventPayload<WebinarObject>;
  'webinar.participant_joined': ZoomEventPayload<WebinarParticipantObject>;
  'webinar.participant_left': ZoomEventPayload<WebinarParticipantObject>;
}

/** The event type for a name: typed for catalogued names, generic otherwise. */
export type ZoomEventOf<TName extends string> = TName extends keyof ZoomEventMap
  ? ZoomEvent<TName, ZoomEventMap[TName]>
  : ZoomEvent<TName>;

/** Names in the typed catalogue (any other string is accepted too). */
export type KnownZoomEventName = keyof ZoomEventMap;
