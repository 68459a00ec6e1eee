/**
 * `recording.completed` in the shape of the captured one (`fixtures/zoom-events/captured__recording.completed__2025-02-26.json`):
 * a numeric meeting `id`, `recording_files` whose download URLs use `/rec/webhook_download/`, a timeline file
 * without `play_url` or `encryption_fingerprint`, `on_prem`, and the `download_token` JWT beside `payload`.
 * Every URL, password and token is a placeholder.
 */
import type { SeededRandom } from './random.js';
import { isoSeconds, MINUTE, ZOOM_WEB_HOST, type Meeting, type Timed } from './scenario-common.js';

/**
 * The files of a cloud recording with every video layout enabled. The captured body has the screen-share,
 * audio and timeline files; the other video layouts (Zoom's `recording_type` names) have the same shape as
 * its MP4 and bring the body to the ~8 KB the benchmarks and earlier versions of this scenario use.
 */
const RECORDING_KINDS = [
  { recording_type: 'shared_screen_with_speaker_view', file_type: 'MP4', file_extension: 'MP4', bytesPerMinute: 4_500_000 },
  { recording_type: 'shared_screen_with_gallery_view', file_type: 'MP4', file_extension: 'MP4', bytesPerMinute: 4_200_000 },
  { recording_type: 'gallery_view', file_type: 'MP4', file_extension: 'MP4', bytesPerMinute: 3_800_000 },
  { recording_type: 'active_speaker', file_type: 'MP4', file_extension: 'MP4', bytesPerMinute: 3_500_000 },
  { recording_type: 'shared_screen', file_type: 'MP4', file_extension: 'MP4', bytesPerMinute: 2_900_000 },
  { recording_type: 'audio_only', file_type: 'M4A', file_extension: 'M4A', bytesPerMinute: 480_000 },
  { recording_type: 'timeline', file_type: 'TIMELINE', file_extension: 'JSON', bytesPerMinute: 2_000 },
] as const;

/** The captured token's JOSE header, which names Zoom's signing scheme and carries nothing secret. */
const DOWNLOAD_TOKEN_HEADER = { sv: '000001', zm_skm: 'zm_o2m', typ: 'JWT', alg: 'ES256' };
/** The captured token's claims. */
const DOWNLOAD_TOKEN_CLAIMS = { aud: 'WebRecDownload' };

export function recordingCompleted(
  random: SeededRandom,
  accountId: string,
  meeting: Meeting,
  startedAt: number,
  endedAt: number,
  completedAt: number,
): Timed {
  const recordingStart = isoSeconds(startedAt + 20_000);
  const recordingEnd = isoSeconds(endedAt);
  const minutes = Math.max(1, Math.round((endedAt - startedAt) / MINUTE));
  const url = (path: string): string => `https://${ZOOM_WEB_HOST}/rec/${path}`;

  const recordingFiles = RECORDING_KINDS.map((kind) => {
    const file: Record<string, unknown> = {
      id: random.uuid(),
      meeting_id: meeting.uuid,
      recording_start: recordingStart,
      recording_end: recordingEnd,
      file_type: kind.file_type,
      file_extension: kind.file_extension,
      file_size: Math.round(kind.bytesPerMinute * minutes * (0.8 + random.float() * 0.4)),
    };
    // The captured timeline file has neither a play URL nor a fingerprint; the media files have both.
    if (kind.recording_type !== 'timeline') file.play_url = url(`play/${random.base62(240)}`);
    file.download_url = url(`webhook_download/${random.base62(200)}/${random.base62(140)}`);
    file.status = 'completed';
    file.recording_type = kind.recording_type;
    if (kind.recording_type !== 'timeline') file.encryption_fingerprint = random.bytes(32).toString('hex');
    return file;
  });
  const totalSize = recordingFiles.reduce((sum, file) => sum + (file.file_size as number), 0);

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
        share_url: url(`share/${random.base62(64)}`),
        recording_files: recordingFiles,
        password: random.base62(8),
        recording_play_passcode: random.base62(32),
        on_prem: false,
      },
    },
    // Zoom puts the token for downloading the files beside `payload`, not inside it.
    extra: { download_token: placeholderJwt(random) },
  };
}

/** A JWT of the captured form (header and claims as captured) with a random placeholder signature. */
function placeholderJwt(random: SeededRandom): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(DOWNLOAD_TOKEN_HEADER)}.${part(DOWNLOAD_TOKEN_CLAIMS)}.${random.bytes(64).toString('base64url')}`;
}
