import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { GenericPayload, KnownZoomEventName, ZoomEvent, ZoomEventFor, ZoomEventOf } from '../../src/index.js';
import { readFixtures } from '../support/zoom-fixtures.js';
import { FIXTURE_BODIES, FIXTURE_EVENT_NAMES } from './fixtures.generated.js';

// The compile-time half lives in fixtures.generated.ts (every real body assigned to its catalogue type) and in
// the type assertions below; `npm run typecheck` (tsc over test/) is what fails when the catalogue rejects one.
// This file keeps the generated copy honest and shows that the types have teeth.
const SCRIPT = fileURLToPath(new URL('../../scripts/generate-fixture-types.mjs', import.meta.url));
const GENERATED = fileURLToPath(new URL('./fixtures.generated.ts', import.meta.url));

describe('fixtures.generated.ts (every fixture typed against the catalogue)', () => {
  it('is what the generator writes from the current fixtures (else: node scripts/generate-fixture-types.mjs)', () => {
    const run = spawnSync(process.execPath, [SCRIPT, '--stdout'], { encoding: 'utf8', timeout: 10_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readFileSync(GENERATED, 'utf8')).toBe(run.stdout);
  });

  it('holds every fixture file, each deep-equal to its JSON, and every name is catalogued', () => {
    const fixtures = readFixtures();
    expect(Object.keys(FIXTURE_BODIES)).toEqual(fixtures.map(({ file }) => file));
    for (const { file, body } of fixtures) expect(FIXTURE_BODIES[file as keyof typeof FIXTURE_BODIES], file).toStrictEqual(body);
    expect([...FIXTURE_EVENT_NAMES]).toEqual([...new Set(fixtures.map(({ body }) => String(body.event)))].sort());
  });

  it('--check passes on the committed file and fails on a stale copy, naming the command', () => {
    expect(spawnSync(process.execPath, [SCRIPT, '--check'], { encoding: 'utf8', timeout: 10_000 }).status).toBe(0);
    const dir = mkdtempSync(path.join(tmpdir(), 'zoom-ws-fixture-types-'));
    try {
      const copy = path.join(dir, 'fixtures.generated.ts');
      writeFileSync(copy, readFileSync(GENERATED, 'utf8').replace('"meeting.started"', '"meeting.startet"'));
      const stale = spawnSync(process.execPath, [SCRIPT, '--check', '--out', copy], { encoding: 'utf8', timeout: 10_000 });
      expect(stale.status).toBe(1);
      expect(stale.stderr).toContain('stale: run node scripts/generate-fixture-types.mjs');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the typed API over real shapes (compile-time; tsc checks these, vitest runs them as no-ops)', () => {
  it('chatbot events: flat camelCase payload, no typed object', () => {
    type Bot = ZoomEventFor<'bot_notification'>;
    expectTypeOf<Bot['payload']['accountId']>().toEqualTypeOf<string>();
    expectTypeOf<Bot['payload']['cmd']>().toEqualTypeOf<string>();
    expectTypeOf<Bot['payload']['robotJid']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Bot['payload']['object']>().toEqualTypeOf<unknown>();
    expectTypeOf<ZoomEventFor<'bot_installed'>['event_ts']>().toEqualTypeOf<number | string | undefined>();
  });

  it('app and RTMS events: no payload.object; the app event time is payload.event_ts, a string', () => {
    type App = ZoomEventOf<'app_deauthorized'>['payload'];
    expectTypeOf<App['account_id']>().toEqualTypeOf<string>();
    expectTypeOf<App['event_ts']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<App['object']>().toEqualTypeOf<unknown>();
    type Rtms = ZoomEventOf<'meeting.rtms_started'>['payload'];
    expectTypeOf<Rtms['rtms_stream_id']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Rtms['object']>().toEqualTypeOf<unknown>();
  });

  it('object events: meeting id a string in live events, a number in CRUD and recording events', () => {
    expectTypeOf<ZoomEventOf<'meeting.started'>['payload']['object']['id']>().toEqualTypeOf<string>();
    expectTypeOf<ZoomEventOf<'meeting.participant_left'>['payload']['object']['participant']['participant_uuid']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ZoomEventOf<'meeting.created'>['payload']['object']['id']>().toEqualTypeOf<number>();
    expectTypeOf<ZoomEventOf<'recording.completed'>['payload']['object']['id']>().toEqualTypeOf<number>();
    expectTypeOf<ZoomEventOf<'workspace.created'>['event_ts']>().toEqualTypeOf<number | string | undefined>();
  });

  it('unknown names get the safe generic type; prefixes a union that keeps unknown names', () => {
    expectTypeOf<ZoomEventOf<'meeting.not_in_catalogue_yet'>>().toEqualTypeOf<ZoomEvent<'meeting.not_in_catalogue_yet', GenericPayload>>();
    expectTypeOf<ZoomEventFor<'brand_new.event'>['payload']['object']>().toEqualTypeOf<Record<string, unknown> | undefined>();
    expectTypeOf<'brand_new.event'>().not.toExtend<KnownZoomEventName>();
    expectTypeOf<ZoomEventOf<'meeting.started'>>().toExtend<ZoomEventFor<'meeting.*'>>();
    expectTypeOf<ZoomEvent<'meeting.not_in_catalogue_yet'>>().toExtend<ZoomEventFor<'meeting.*'>>();
    expectTypeOf<ZoomEventFor<'*'>>().toEqualTypeOf<ZoomEvent>();
  });

  it('the catalogue rejects wrong shapes (so accepting every fixture means something)', () => {
    const rejected = [
      // @ts-expect-error meeting.started carries the meeting id as a string
      { event: 'meeting.started', payload: { object: { id: 1, uuid: 'u', host_id: 'h' } } } satisfies ZoomEventOf<'meeting.started'>,
      // @ts-expect-error meeting.created carries it as a number
      { event: 'meeting.created', payload: { object: { id: '1', uuid: 'u', host_id: 'h' } } } satisfies ZoomEventOf<'meeting.created'>,
      // @ts-expect-error a catalogued object event needs payload.object
      { event: 'user.created', payload: { account_id: 'a' } } satisfies ZoomEventOf<'user.created'>,
      // @ts-expect-error a chatbot payload has accountId (camelCase), not account_id
      { event: 'bot_notification', payload: { account_id: 'a', cmd: 'hi' } } satisfies ZoomEventOf<'bot_notification'>,
      // @ts-expect-error the name must be the one the type is for
      { event: 'meeting.ended', payload: { object: { id: '1', uuid: 'u', host_id: 'h' } } } satisfies ZoomEventOf<'meeting.started'>,
      // @ts-expect-error event_ts is a number or a string, nothing else
      { event: 'x.y', event_ts: true, payload: {} } satisfies ZoomEventOf<'x.y'>,
    ];
    const accepted = [
      { event: 'x.y', payload: { anything: [1, 'two'] } } satisfies ZoomEventOf<'x.y'>,
      { event: 'bot_installed', payload: { accountId: 'a' } } satisfies ZoomEventOf<'bot_installed'>,
      { event: 'meeting.rtms_started', event_ts: 1, payload: { rtms_stream_id: 's' } } satisfies ZoomEventOf<'meeting.rtms_started'>,
    ];
    expect(rejected).toHaveLength(6);
    expect(accepted).toHaveLength(3);
  });
});
