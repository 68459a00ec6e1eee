import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { createZoomSimulator } from '../../src/simulator/index.js';
import { runCli } from '../support/cli.js';
import { startRedisServer } from '../support/redis-server.js';

interface Family {
  name: string;
  metrics: { value?: string; labels?: Record<string, string> }[];
}

const HEALTH_LINE = /health server on http:\/\/127\.0\.0\.1:(\d+)/;

describe('relay --health-port (real redis-server, built CLI)', () => {
  it('the leader answers /leader 200, /readyz 200, and /metrics carries the cluster role', async () => {
    const redis = await startRedisServer();
    const sim = await createZoomSimulator();
    const run = runCli(['relay', '--health-port', '0', '--replica-id', 'r1'], { ...sim.env, ZOOM_WS_REDIS_URL: redis.url });
    try {
      await run.waitFor(() => HEALTH_LINE.test(run.stderr()), 'the health server line', 10_000);
      const base = `http://127.0.0.1:${HEALTH_LINE.exec(run.stderr())![1]}`;
      await run.waitFor(() => sim.stats.connections === 1 && /→ open/.test(run.stderr()), 'the leader open', 10_000);
      const leader = await fetch(`${base}/leader`);
      expect(leader.status).toBe(200);
      expect(await leader.json()).toEqual({ leader: true });
      const ready = await fetch(`${base}/readyz`);
      expect(await ready.json()).toMatchObject({ live: true, ready: true, role: 'leading' });
      const families = parsePrometheusTextFormat(await (await fetch(`${base}/metrics`)).text()) as Family[];
      const role = families.find((family) => family.name === 'zoom_ws_cluster_role')!;
      expect(role.metrics.find((metric) => metric.labels!.role === 'leading')!.value).toBe('1');
      expect(families.map((family) => family.name)).toContain('zoom_ws_cluster_fenced_publishes');
      run.child.kill('SIGTERM');
      expect((await run.exit).code).toBe(0);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await run.exit;
      await sim.stop();
      await redis.stop();
    }
  });
});
