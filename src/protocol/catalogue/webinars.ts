import type { ChangePayload, ObjectPayload } from './envelope.js';
import type { LiveMeeting, LiveMeetingWithParticipant, RegistrantObject, RtmsPayload, ScheduledMeeting, SharingMeeting } from './meetings.js';

/** A webinar in CRUD events: numeric `id`, like meetings. */
export interface ScheduledWebinar extends ScheduledMeeting {
  registration_url?: string;
}

/** A webinar in live events: string `id`. */
export interface LiveWebinar extends LiveMeeting {
  practice_session?: boolean;
}

export interface LiveWebinarWithParticipant extends LiveMeetingWithParticipant {
  practice_session?: boolean;
}

/** Webinar events (Zoom's "Webinars" webhook catalogue). */
export interface WebinarEventMap {
  'webinar.created': ObjectPayload<ScheduledWebinar> & { operation?: string };
  'webinar.updated': ChangePayload<Partial<ScheduledWebinar> & { id: number }, Partial<ScheduledWebinar> & { id?: number }> & { scope?: string };
  'webinar.deleted': ObjectPayload<ScheduledWebinar> & { operation?: string };
  'webinar.permanently_deleted': ObjectPayload<ScheduledWebinar> & { operation?: string };
  'webinar.recovered': ObjectPayload<ScheduledWebinar> & { operation?: string };
  'webinar.started': ObjectPayload<LiveWebinar>;
  'webinar.ended': ObjectPayload<LiveWebinar>;
  'webinar.alert': ObjectPayload<LiveWebinar & { issues?: string[] }>;
  'webinar.participant_joined': ObjectPayload<LiveWebinarWithParticipant>;
  'webinar.participant_left': ObjectPayload<LiveWebinarWithParticipant>;
  'webinar.participant_role_changed': ObjectPayload<LiveWebinarWithParticipant>;
  'webinar.participant_feedback': ObjectPayload<LiveWebinarWithParticipant>;
  'webinar.sharing_started': ObjectPayload<SharingMeeting>;
  'webinar.sharing_ended': ObjectPayload<SharingMeeting>;
  'webinar.registration_created': ObjectPayload<RegistrantObject>;
  'webinar.registration_approved': ObjectPayload<RegistrantObject>;
  'webinar.registration_cancelled': ObjectPayload<RegistrantObject>;
  'webinar.registration_denied': ObjectPayload<RegistrantObject>;
  'webinar.converted_to_meeting': ObjectPayload<ScheduledWebinar>;
  'webinar.rtms_started': RtmsPayload;
  'webinar.rtms_stopped': RtmsPayload;
  'webinar.rtms_interrupted': RtmsPayload;
}
