import type { ObjectPayload } from './envelope.js';

/** One side of a call. `extension_number` is a number or a string depending on the extension type. */
export interface CallParty {
  extension_id?: string;
  extension_type?: string;
  extension_number?: number | string;
  phone_number?: string;
  user_id?: string;
  name?: string;
  timezone?: string;
  device_type?: string;
  device_id?: string;
  connection_type?: string;
  [extra: string]: unknown;
}

export interface CallObject {
  call_id: string;
  caller?: CallParty;
  callee?: CallParty;
  forwarded_by?: CallParty;
  redirect_forwarded_by?: CallParty;
  ringing_start_time?: string;
  answer_start_time?: string;
  call_end_time?: string;
  handup_result?: string;
  [extra: string]: unknown;
}

type Call = ObjectPayload<CallObject>;
type Record_ = ObjectPayload<Record<string, unknown>>;

/** Zoom Phone events (Zoom's "Phone" webhook catalogue). */
export interface PhoneEventMap {
  'phone.callee_ringing': Call;
  'phone.callee_answered': Call;
  'phone.callee_ended': Call;
  'phone.callee_missed': Call;
  'phone.callee_rejected': Call;
  'phone.callee_hold': Call;
  'phone.callee_unhold': Call;
  'phone.callee_mute': Call;
  'phone.callee_unmute': Call;
  'phone.caller_ringing': Call;
  'phone.caller_connected': Call;
  'phone.caller_ended': Call;
  'phone.caller_hold': Call;
  'phone.caller_unhold': Call;
  'phone.caller_mute': Call;
  'phone.caller_unmute': Call;
  'phone.callee_call_log_completed': Record_;
  'phone.caller_call_log_completed': Record_;
  'phone.recording_completed': Record_;
  'phone.voicemail_received': Record_;
  'phone.sms_received': Record_;
  'phone.sms_sent': Record_;
}
