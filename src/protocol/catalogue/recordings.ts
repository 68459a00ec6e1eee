import type { ObjectPayload } from './envelope.js';
import type { MeetingBase } from './meetings.js';

/**
 * One file of a cloud recording. Download URLs of webhook deliveries use `/rec/webhook_download/` (pass the
 * event's `download_token`); the `timeline` file has no `play_url`.
 */
export interface RecordingFile {
  id?: string;
  meeting_id?: string;
  recording_start?: string;
  recording_end?: string;
  file_type?: string;
  file_extension?: string;
  file_name?: string;
  file_size?: number;
  play_url?: string;
  download_url?: string;
  status?: string;
  recording_type?: string;
  encryption_fingerprint?: string;
  [extra: string]: unknown;
}

/** A recorded meeting: `id` is a **number** in `recording.*` events. */
export interface RecordingObject extends MeetingBase {
  id: number;
  account_id?: string;
  host_email?: string;
  share_url?: string;
  total_size?: number;
  recording_count?: number;
  password?: string;
  recording_play_passcode?: string;
  on_prem?: boolean;
  auto_delete?: boolean;
  auto_delete_date?: string;
  recording_files: RecordingFile[];
  participant_audio_files?: RecordingFile[];
}

/** `recording.started`/`stopped`/`paused`/`resumed`: the meeting and the file being written. */
export interface RecordingProgressObject extends MeetingBase {
  id: number;
  recording_file?: { recording_start?: string; recording_end?: string | null; [extra: string]: unknown };
}

/** Recording events (Zoom's "Cloud Recording" webhook catalogue). `recording.completed` carries `download_token` beside `payload`. */
export interface RecordingEventMap {
  'recording.started': ObjectPayload<RecordingProgressObject>;
  'recording.stopped': ObjectPayload<RecordingProgressObject>;
  'recording.paused': ObjectPayload<RecordingProgressObject>;
  'recording.resumed': ObjectPayload<RecordingProgressObject>;
  'recording.completed': ObjectPayload<RecordingObject>;
  'recording.transcript_completed': ObjectPayload<RecordingObject>;
  'recording.archive_files_completed': ObjectPayload<Omit<RecordingObject, 'recording_files'> & { archive_files?: RecordingFile[] }>;
  'recording.renamed': ObjectPayload<{ id: number; uuid: string; topic?: string; [extra: string]: unknown }> & { old_object?: { id?: number; uuid?: string; topic?: string } };
  'recording.deleted': ObjectPayload<RecordingObject>;
  'recording.trashed': ObjectPayload<RecordingObject>;
  'recording.recovered': ObjectPayload<RecordingObject>;
  'recording.registration_created': ObjectPayload<Record<string, unknown>>;
  'recording.registration_approved': ObjectPayload<Record<string, unknown>>;
  'recording.registration_denied': ObjectPayload<Record<string, unknown>>;
  'recording.cloud_storage_usage_updated': ObjectPayload<Record<string, unknown>>;
}
