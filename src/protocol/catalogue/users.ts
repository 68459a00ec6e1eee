import type { ChangePayload, ObjectPayload } from './envelope.js';

export interface UserObject {
  id: string;
  email?: string;
  first_name?: string;
  last_name?: string;
  display_name?: string;
  /** 1 basic, 2 licensed, 4 unassigned, 99 none. */
  type?: number;
  [extra: string]: unknown;
}

export interface PresenceObject {
  id: string;
  email?: string;
  /** e.g. `Available`, `Away`, `Do_Not_Disturb`, `In_Meeting`, `Presenting`, `On_Phone_Call`, `Offline`. */
  presence_status: string;
  date_time?: string;
  [extra: string]: unknown;
}

export interface SignInOutObject {
  id: string;
  email?: string;
  date_time?: string;
  client_type?: string;
  version?: string;
  login_type?: number;
  [extra: string]: unknown;
}

/** User events (Zoom's "Users" webhook catalogue). */
export interface UserEventMap {
  'user.created': ObjectPayload<UserObject> & { creation_type?: string };
  'user.updated': ChangePayload<Partial<UserObject> & { id: string }>;
  'user.settings_updated': ChangePayload<{ id: string; settings?: Record<string, unknown>; [extra: string]: unknown }>;
  'user.deleted': ObjectPayload<UserObject>;
  'user.deactivated': ObjectPayload<UserObject>;
  'user.activated': ObjectPayload<UserObject>;
  'user.disassociated': ObjectPayload<UserObject>;
  'user.invitation_accepted': ObjectPayload<UserObject>;
  'user.presence_status_updated': ObjectPayload<PresenceObject>;
  'user.personal_notes_updated': ObjectPayload<{ id: string; personal_notes?: string; date_time?: string; [extra: string]: unknown }>;
  'user.signed_in': ObjectPayload<SignInOutObject>;
  'user.signed_out': ObjectPayload<SignInOutObject>;
}
