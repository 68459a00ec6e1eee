import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createZoomSimulator, type ZoomSimulator } from '../../src/simulator/index.js';
import { sampleEvent } from '../support/harness.js';
import { runCli } from '../support/cli.js';

describe('zoom-ws listen', () => {
  let sim: ZoomSimulator;
  beforeEach(async () => {
    sim = await createZoomSimulator({ clientSecret: 'cli-secret-XYZ' });
  });
  afterEach(async () => {
    await sim.stop();
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('prints exactly one JSON line per event on stdout, transitions on stderr; %s closes with 1000 and exits 0', async (signal) => {
    const run = runCli(['listen', '--heartbeat-interval', '100', '--backoff-initial=20'], { ...sim.env });
    await run.waitFor(() => run.stderr().includes('connecting → open'), 'open');
    const events = [sampleEvent(1), sampleEvent(2, 'meeting.started'), sampleEvent(3, 'recording.completed')];
    for (const event of events) sim.emit(event);
    sim.sendRaw('garbage');
    await run.waitFor(() => run.stdoutLines().length === 3, 'three events');
    const closes: number[] = [];
    sim.on('close', ({ code }) => closes.push(code));
    run.child.kill(signal);
    const { code } = await run.exit;
    expect(code).toBe(0);
    expect(run.stdoutLines().map((line) => JSON.parse(line))).toEqual(events);
    expect(run.stderr()).toMatch(/Skipped a frame: frame is not JSON/);
    expect(run.stderr()).toMatch(new RegExp(`${signal}: closing`));
    expect(closes).toEqual([1000]);
    expect(run.stderr()).not.toContain('cli-secret-XYZ');
  });

  it('exits 1 with a clear message when Zoom rejects the credentials', async () => {
    const run = runCli(['listen'], { ...sim.env, ZOOM_CLIENT_SECRET: 'not-the-secret' });
    const { code } = await run.exit;
    expect(code).toBe(1);
    expect(run.stderr()).toMatch(/zoom-ws: Zoom rejected the token request \(HTTP 400 invalid_client/);
    expect(run.stdout()).toBe('');
    expect(run.stderr()).not.toContain('not-the-secret');
  });

  it.each(['ZOOM_ACCOUNT_ID', 'ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET', 'ZOOM_SUBSCRIPTION_ID'])('exits 2 naming a missing %s', async (name) => {
    const env: Record<string, string> = { ...sim.env };
    delete env[name];
    const run = runCli(['listen'], env);
    expect((await run.exit).code).toBe(2);
    expect(run.stderr()).toBe(`zoom-ws: missing environment variable ${name}\n`);
  });

  it.each([
    [['--heartbeat-interval', 'soon'], /--heartbeat-interval must be a whole number of milliseconds, got "soon"/],
    [['--backoff-max=-5'], /--backoff-max must be a whole number of milliseconds, got "-5"/],
    [['--heartbeat-timeout'], /--heartbeat-timeout needs a value/],
    [['--refresh-margin', '1.5'], /--refresh-margin must be a whole number/],
    [['--frobnicate', '1'], /unknown flag --frobnicate/],
  ])('exits 2 on a bad flag %j', async (flags, message) => {
    const run = runCli(['listen', ...flags], { ...sim.env });
    expect((await run.exit).code).toBe(2);
    expect(run.stderr()).toMatch(message);
  });

  it('exits 2 naming the environment variable of a bad endpoint', async () => {
    const run = runCli(['listen'], { ...sim.env, ZOOM_WS_URL: 'http://example.invalid/ws' });
    expect((await run.exit).code).toBe(2);
    expect(run.stderr()).toMatch(/ZOOM_WS_URL: must be a ws:\/\/ or wss:\/\/ URL/);
  });
});

describe('zoom-ws start (npm start)', () => {
  it('without credentials runs the embedded simulator and shows events within 2 s, then exits 0 on SIGINT', async () => {
    const run = runCli(['start']);
    const started = Date.now();
    await run.waitFor(() => run.stdoutLines().length >= 1, 'first event', 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(run.stderr()).toMatch(/No ZOOM_\* credentials set: listening to the embedded Zoom simulator/);
    const first = JSON.parse(run.stdoutLines()[0]!);
    expect(first).toMatchObject({ event: expect.any(String), event_ts: expect.any(Number), payload: { object: expect.any(Object) } });
    await run.waitFor(() => run.stdoutLines().length >= 3, 'more events', 3_000);
    run.child.kill('SIGINT');
    expect((await run.exit).code).toBe(0);
  });

  it('with a partial set of credentials refuses to guess', async () => {
    const run = runCli(['start'], { ZOOM_CLIENT_ID: 'x' });
    expect((await run.exit).code).toBe(2);
    expect(run.stderr()).toMatch(/missing environment variable ZOOM_ACCOUNT_ID/);
  });
});

describe('zoom-ws simulate', () => {
  it('prints the env lines that point listen at it, and they work', async () => {
    const simulate = runCli(['simulate', '--event-interval', '50']);
    await simulate.waitFor(() => simulate.stdoutLines().length >= 6, 'env lines');
    const env = Object.fromEntries(simulate.stdoutLines().map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
    expect(Object.keys(env).sort()).toEqual(['ZOOM_ACCOUNT_ID', 'ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET', 'ZOOM_OAUTH_URL', 'ZOOM_SUBSCRIPTION_ID', 'ZOOM_WS_URL']);
    const listen = runCli(['listen'], env);
    await listen.waitFor(() => listen.stdoutLines().length >= 2, 'events from simulate');
    listen.child.kill('SIGTERM');
    simulate.child.kill('SIGINT');
    expect((await listen.exit).code).toBe(0);
    expect((await simulate.exit).code).toBe(0);
  });

  it('rejects a bad port', async () => {
    const run = runCli(['simulate', '--port', '99999']);
    expect((await run.exit).code).toBe(2);
    expect(run.stderr()).toMatch(/--port must be between 0 and 65535/);
  });
});

describe('zoom-ws', () => {
  it('exits 2 on an unknown command', async () => {
    const run = runCli(['frobnicate']);
    expect((await run.exit).code).toBe(2);
    expect(run.stderr()).toMatch(/unknown command "frobnicate"/);
  });
});
