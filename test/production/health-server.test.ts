import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { createZoomSimulator, type ZoomSimulator } from '../../src/simulator/index.js';
import { runCli, type CliRun } from '../support/cli.js';
import { sampleEvent } from '../support/harness.js';

interface Family {
  name: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string }[];
}

const HEALTH_LINE = /health server on http:\/\/127\.0\.0\.1:(\d+)/;

describe('listen --health-port: /livez /readyz /leader /metrics over HTTP (the built CLI)', () => {
  let sim: ZoomSimulator | undefined;
  let run: CliRun | undefined;
  afterEach(async () => {
    if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
    await run?.exit;
    await sim?.stop();
    run = sim = undefined;
  });

  it('answers probes and serves Prometheus text that a parser reads, with events, lag and token fetches', async () => {
    sim = await createZoomSimulator();
    run = runCli(['listen', '--health-port', '0', '--heartbeat-interval', '50'], { ...sim.env });
    await run.waitFor(() => HEALTH_LINE.test(run!.stderr()), 'the health server line');
    const base = `http://127.0.0.1:${HEALTH_LINE.exec(run.stderr())![1]}`;
    await run.waitFor(() => run!.stderr().includes('→ open'), 'open');
    sim.play([sampleEvent(1), { ...sampleEvent(2), event_ts: Date.now() - 2_000 }]);
    await run.waitFor(() => run!.stdoutLines().length === 2, 'two events');
    await new Promise((resolve) => setTimeout(resolve, 150)); // two heartbeat round trips at 50 ms

    const live = await fetch(`${base}/livez`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ live: true, ready: true, state: 'open' });
    expect((await fetch(`${base}/leader`)).status).toBe(404);
    expect((await fetch(`${base}/nope`)).status).toBe(404);

    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const families = parsePrometheusTextFormat(await response.text()) as Family[];
    const family = (name: string) => families.find((candidate) => candidate.name === name);
    expect(family('zoom_ws_connected')!.metrics[0]!.value).toBe('1');
    expect(family('zoom_ws_state')!.metrics.find((metric) => metric.labels!.state === 'open')!.value).toBe('1');
    expect(family('zoom_ws_events_total')!.metrics).toEqual([{ labels: { event: 'meeting.participant_joined' }, value: '2' }]);
    expect(family('zoom_ws_token_fetches_total')!.metrics).toEqual([{ labels: { result: 'ok' }, value: '1' }]);
    const lag = family('zoom_ws_event_lag_seconds')!.metrics[0]!;
    expect(lag.count).toBe('2');
    // One event was sent 2 s ago: it falls beyond the 1 s bucket.
    expect(Number(lag.buckets!['1'])).toBeLessThan(2);
    expect(Number(family('zoom_ws_heartbeat_round_trip_seconds')!.metrics[0]!.count)).toBeGreaterThan(0);

    sim.faults.rejectUpgrades(1_000, 503);
    sim.faults.drop();
    await run.waitFor(() => /open → (backoff|closing|connecting|authenticating)/.test(run!.stderr()), 'the drop noticed');
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect((await fetch(`${base}/livez`)).status).toBe(200);

    run.child.kill('SIGTERM');
    expect((await run.exit).code).toBe(0);
    await expect(fetch(`${base}/livez`)).rejects.toThrow();
  });
});
