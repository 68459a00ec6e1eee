import type { ChangePayload, ObjectPayload } from './envelope.js';

/** Fields every meeting object shares. `id` is typed per event family: see the two interfaces below. */
export interface MeetingBase {
  uuid: string;
  host_id: string;
  topic?: string;
  /** 1 instant, 2 scheduled, 3 recurring without fixed time, 4 PMI, 8 recurring with fixed time. */
  type?: number;
  start_time?: string;
  /** `""` for instant meetings. */
  timezone?: string;
  /** Planned minutes. Instant meetings have been seen with absurd values (808591414): don't trust it. */
  duration?: number;
  [extra: string]: unknown;
}

/** A meeting as CRUD events carry it: `id` is a **number** (`meeting.created`/`updated`/`deleted`). */
export interface ScheduledMeeting extends MeetingBase {
  id: number;
  join_url?: string;
  password?: string;
  agenda?: string;
  creation_source?: string;
  settings?: Record<string, unknown>;
  occurrences?: { occurrence_id: string; start_time: string; duration?: number; status?: string }[];
  recurrence?: Record<string, unknown>;
}

/** A meeting as live events carry it: `id` is a **string** (`meeting.started`/`ended`/`participant_*`). */
export interface LiveMeeting extends MeetingBase {
  id: string;
  end_time?: string;
}

/**
 * One participant. Guests have an empty `id`, `participant_user_id` and `email`; `user_id` changes on every
 * rejoin while `participant_uuid` stays the same person.
 */
export interface Participant {
  user_id?: string;
  user_name?: string;
  id?: string;
  participant_uuid?: string;
  participant_user_id?: string;
  email?: string;
  registrant_id?: string;
  customer_key?: string;
  phone_number?: string;
  public_ip?: string;
  private_ip?: string;
  join_time?: string;
  leave_time?: string;
  /** e.g. `left the meeting. Reason : left the meeting`, `… to join breakout room`, `got disconnected … Client Close.` */
  leave_reason?: string;
  [extra: string]: unknown;
}

export interface LiveMeetingWithParticipant extends LiveMeeting {
  participant: Participant;
}

/** Breakout-room events add the room's uuid to the meeting. */
export interface BreakoutRoomParticipantMeeting extends LiveMeetingWithParticipant {
  breakout_room_uuid?: string;
  parent_meeting_uuid?: string;
}

export interface SharingDetails {
  content?: string;
  link_source?: string;
  file_link?: string;
  source?: string;
  date_time?: string;
  [extra: string]: unknown;
}

/** Sharing events: Zoom's own example has a numeric `id`, so both are accepted. */
export interface SharingMeeting extends MeetingBase {
  id: number | string;
  participant: Participant & { sharing_details?: SharingDetails };
}

export interface RegistrantObject {
  id: number;
  uuid: string;
  host_id: string;
  topic?: string;
  start_time?: string;
  registrant: { id?: string; email?: string; first_name?: string; last_name?: string; join_url?: string; [extra: string]: unknown };
  [extra: string]: unknown;
}

/** Real-time media streams: flat payload, no `object`. */
export interface RtmsPayload {
  meeting_uuid?: string;
  webinar_uuid?: string;
  rtms_stream_id?: string;
  server_urls?: string;
  operator_id?: string;
  stop_reason?: number | string;
  [extra: string]: unknown;
}

export interface MeetingChatMessageObject extends LiveMeeting {
  chat_message: { date_time?: string; sender_name?: string; sender_email?: string; message?: string; message_id?: string; [extra: string]: unknown };
}

type Live = ObjectPayload<LiveMeeting>;
type WithParticipant = ObjectPayload<LiveMeetingWithParticipant>;

/** Meeting events (Zoom's "Meetings" webhook catalogue). */
export interface MeetingEventMap {
  'meeting.created': ObjectPayload<ScheduledMeeting> & { operation?: string };
  'meeting.updated': ChangePayload<Partial<ScheduledMeeting> & { id: number }, Partial<ScheduledMeeting> & { id?: number }> & { scope?: string };
  'meeting.deleted': ObjectPayload<ScheduledMeeting> & { operation?: string };
  'meeting.permanently_deleted': ObjectPayload<ScheduledMeeting> & { operation?: string };
  'meeting.recovered': ObjectPayload<ScheduledMeeting> & { operation?: string };
  'meeting.started': Live;
  'meeting.ended': Live;
  'meeting.alert': ObjectPayload<LiveMeeting & { issues?: string[] }>;
  'meeting.participant_joined': WithParticipant;
  'meeting.participant_left': WithParticipant;
  'meeting.participant_jbh_joined': WithParticipant;
  'meeting.participant_jbh_waiting': WithParticipant;
  'meeting.participant_joined_waiting_room': WithParticipant;
  'meeting.participant_left_waiting_room': WithParticipant;
  'meeting.participant_admitted': WithParticipant;
  'meeting.participant_put_in_waiting_room': WithParticipant;
  'meeting.participant_joined_breakout_room': ObjectPayload<BreakoutRoomParticipantMeeting>;
  'meeting.participant_left_breakout_room': ObjectPayload<BreakoutRoomParticipantMeeting>;
  'meeting.participant_role_changed': WithParticipant;
  'meeting.participant_feedback': WithParticipant;
  'meeting.participant_room_system_callout_accepted': WithParticipant;
  'meeting.participant_room_system_callout_rejected': WithParticipant;
  'meeting.participant_phone_callout_accepted': WithParticipant;
  'meeting.sharing_started': ObjectPayload<SharingMeeting>;
  'meeting.sharing_ended': ObjectPayload<SharingMeeting>;
  'meeting.live_streaming_started': Live;
  'meeting.live_streaming_stopped': Live;
  'meeting.chat_message_sent': ObjectPayload<MeetingChatMessageObject>;
  'meeting.registration_created': ObjectPayload<RegistrantObject>;
  'meeting.registration_approved': ObjectPayload<RegistrantObject>;
  'meeting.registration_cancelled': ObjectPayload<RegistrantObject>;
  'meeting.registration_denied': ObjectPayload<RegistrantObject>;
  'meeting.summary_completed': ObjectPayload<LiveMeeting & { meeting_host_id?: string; summary_title?: string }>;
  'meeting.rtms_started': RtmsPayload;
  'meeting.rtms_stopped': RtmsPayload;
  'meeting.rtms_interrupted': RtmsPayload;
}
