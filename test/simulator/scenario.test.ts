import { describe, expect, it } from 'vitest';
import { createEventScenario } from '../../src/simulator/index.js';
import { mulberry32 } from '../../src/simulator/random.js';

describe('mulberry32', () => {
  it('is deterministic and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(990);
  });
});

describe('createEventScenario', () => {
  it('is deterministic by seed', () => {
    expect(createEventScenario({ seed: 7 })).toEqual(createEventScenario({ seed: 7 }));
    expect(createEventScenario({ seed: 7 })).not.toEqual(createEventScenario({ seed: 8 }));
  });

  it('orders the lifecycle of a meeting with strictly increasing event_ts', () => {
    const events = createEventScenario({ seed: 3, startTs: 1_700_000_000_000 });
    const names = events.map((event) => event.event);

    expect(names[0]).toBe('user.created');
    expect(names).toContain('user.updated');
    const order = ['meeting.created', 'meeting.started', 'meeting.ended', 'recording.completed'].map((name) =>
      names.indexOf(name),
    );
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    const joined = names.filter((name) => name === 'meeting.participant_joined').length;
    const left = names.filter((name) => name === 'meeting.participant_left').length;
    expect(joined).toBeGreaterThanOrEqual(4);
    expect(left).toBe(joined);
    const started = names.indexOf('meeting.started');
    const ended = names.indexOf('meeting.ended');
    names.forEach((name, index) => {
      if (name.startsWith('meeting.participant_')) expect(index > started && index < ended).toBe(true);
    });

    expect(events[0]?.event_ts).toBe(1_700_000_000_000);
    for (let i = 1; i < events.length; i += 1) {
      expect(events[i]!.event_ts).toBeGreaterThan(events[i - 1]!.event_ts);
    }
  });

  it('uses webhook-shaped payloads', () => {
    const events = createEventScenario({ seed: 11, accountId: 'acct-1' });
    for (const event of events) {
      expect(event.payload).toMatchObject({ account_id: 'acct-1', object: expect.any(Object) });
    }
    const joined = events.find((event) => event.event === 'meeting.participant_joined')!;
    expect((joined.payload as { object: unknown }).object).toMatchObject({
      uuid: expect.any(String),
      // Live events carry the meeting number as a string (captured__meeting.participant_joined__*).
      id: expect.any(String),
      host_id: expect.any(String),
      topic: expect.any(String),
      type: 2,
      start_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      timezone: expect.any(String),
      duration: expect.any(Number),
      participant: {
        user_id: expect.any(String),
        user_name: expect.any(String),
        id: expect.any(String),
        email: expect.stringContaining('@'),
        join_time: expect.stringMatching(/Z$/),
      },
    });
    const left = events.find((event) => event.event === 'meeting.participant_left')!;
    expect((left.payload as { object: { participant: object } }).object.participant).toHaveProperty('leave_time');
  });

  it('produces a recording.completed of roughly 8 KB with recording files', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const recording = createEventScenario({ seed }).find((event) => event.event === 'recording.completed')!;
      const size = Buffer.byteLength(JSON.stringify(recording));
      expect(size).toBeGreaterThan(7_000);
      expect(size).toBeLessThan(9_000);
      expect(recording.download_token).toMatch(/^eyJ/);
      const object = (recording.payload as { object: { uuid: string; recording_files: Array<Record<string, unknown>> } }).object;
      expect(object.recording_files.length).toBeGreaterThanOrEqual(5);
      for (const file of object.recording_files) {
        expect(file).toMatchObject({
          id: expect.any(String),
          meeting_id: object.uuid,
          recording_start: expect.any(String),
          recording_end: expect.any(String),
          file_type: expect.any(String),
          file_size: expect.any(Number),
          download_url: expect.stringMatching(/^https:\/\//),
          status: 'completed',
          recording_type: expect.any(String),
        });
        // As captured, the timeline file has no play URL; the media files have one.
        if (file.recording_type === 'timeline') expect(file).not.toHaveProperty('play_url');
        else expect(file.play_url).toMatch(/^https:\/\//);
      }
    }
  });

  it('chains several meetings in time', () => {
    const events = createEventScenario({ seed: 5, meetings: 3 });
    expect(events.filter((event) => event.event === 'meeting.started')).toHaveLength(3);
    expect(events.filter((event) => event.event === 'recording.completed')).toHaveLength(3);
    const firstRecording = events.findIndex((event) => event.event === 'recording.completed');
    const secondCreated = events.findIndex((event, index) => event.event === 'meeting.created' && index > 2);
    expect(secondCreated).toBeGreaterThan(firstRecording);
  });
});
