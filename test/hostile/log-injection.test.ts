/**
 * Log injection (issue 9 §3): close reasons, refusal content and module names come from the server. They must
 * not reach a log line with CR/LF (forged lines), ESC (terminal control) or unbounded length — through the
 * library's logger wrapper and through the CLI's stderr.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_LOG_TEXT } from '../../src/client/logger.js';
import { ZoomWsClient } from '../../src/index.js';
import { MAX_SERVER_TEXT } from '../../src/protocol/redact.js';
import { createZoomSimulator, type ZoomSimulator } from '../../src/simulator/index.js';
import { runCli } from '../support/cli.js';
import { useRawZoomServer, zoomFrame } from '../support/raw-zoom-server.js';
import { eventually } from '../support/wait.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const FORGED = '\r\n12:00:00.000 error forged line\u001b[31m red\u001b[0m\u202e';
const LONG_REFUSAL = `refused ${'x'.repeat(20_000)}`;

/** Connection 1 is closed with a hostile reason, 2 refused with hostile content, 3 gets a hostile module name. */
function hostileConnection(socket: import('ws').WebSocket, index: number): void {
  if (index === 1) setTimeout(() => socket.close(4000, `bye${FORGED}`), 20);
  if (index === 2) socket.send(zoomFrame('build_connection', `no${FORGED} ${LONG_REFUSAL}`, false));
  if (index === 3) socket.send(zoomFrame(`evil${FORGED}`, 'x'));
}

describe('server text in log lines', () => {
  const rawServer = useRawZoomServer();
  let sim: ZoomSimulator | undefined;
  let client: ZoomWsClient | undefined;
  afterEach(async () => {
    await client?.stop();
    await sim?.stop();
    client = sim = undefined;
  });

  it('close reasons, refusals and module names are escaped and bounded in every log line and detail', async () => {
    sim = await createZoomSimulator();
    const raw = await rawServer(hostileConnection, { holdBuildConnection: (index) => index === 2 });
    const lines: string[] = [];
    const log = (message: string, ...rest: unknown[]) => lines.push([message, ...rest.map(String)].join(' '));
    client = new ZoomWsClient({ ...sim.credentials, oauthUrl: sim.oauthUrl, wsUrl: raw.wsUrl, backoffInitial: 10, backoffMax: 20, logger: { debug: log, info: log, warn: log, error: log } });
    await client.start();
    await eventually(() => (lines.some((line) => line.includes('unknown module')) ? undefined : lines.join('\n')), 'the three hostile texts');
    const hostile = lines.filter((line) => line.includes('forged line'));
    expect(hostile.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(line).not.toMatch(CONTROL);
      expect(line.length).toBeLessThanOrEqual(MAX_LOG_TEXT + 64);
    }
    // Escaped, not dropped: what the server said can still be read.
    expect(hostile.some((line) => line.includes('bye\\r\\n12:00:00.000 error forged line\\u001b[31m red'))).toBe(true);
    const refusal = lines.find((line) => line.includes('build_connection: no'))!;
    expect(refusal).toMatch(/more characters\)/);
    expect(refusal.length).toBeLessThan(MAX_SERVER_TEXT * 2 + 200);
    expect(lines.some((line) => /unknown module "evil\\r\\n12:00/.test(line))).toBe(true);
  });

  it('the CLI writes each of them on one line of stderr, without an escape sequence', async () => {
    sim = await createZoomSimulator();
    const raw = await rawServer(hostileConnection, { holdBuildConnection: (index) => index === 2 });
    const run = runCli(['listen', '--backoff-initial', '10', '--backoff-max', '20'], { ...sim.env, ZOOM_WS_URL: raw.wsUrl });
    try {
      await run.waitFor(() => run.stderr().includes('unknown module'), 'the hostile module name');
    } finally {
      run.child.kill('SIGINT');
      await run.exit;
    }
    const stderr = run.stderr();
    expect(stderr).toContain('forged line');
    expect(stderr).not.toContain('\u001b');
    expect(stderr).not.toContain('\r');
    for (const line of stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^(\d\d:\d\d:\d\d\.\d{3} (debug|info |warn |error) |zoom-ws: )/);
  });
});
