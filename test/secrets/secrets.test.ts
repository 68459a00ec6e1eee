/**
 * Secrets (issue 3, part 4): the suite's scenarios — every model path (all transitions, every kind of fault),
 * a chaos run, hostile handlers and the CLI — run with a recognisable client secret, and every log line,
 * error, CLI output, snapshot and inspection event is scanned for the secret and for every access token the
 * simulator issued: raw, URL-encoded, base64 (the Basic header), JSON-escaped, and any 10-character piece.
 */
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ZoomWsClient } from '../../src/index.js';
import { createZoomSimulator } from '../../src/simulator/index.js';
import { coveringPaths, createWorldModel } from '../model/paths.js';
import { runPath } from '../model/run-path.js';
import { runSoak } from '../soak/chaos.js';
import { runCli } from '../support/cli.js';
import { eventually } from '../support/wait.js';

/** Characters that change under URL-encoding and look nothing like ordinary words. */
const SECRET = 'Zq7-S3CR3T/cl1ent+s3cret=VaLue%x';
const WRONG_SECRET = 'Wr0ng-S3CR3T/not+the=right%one';
const CLIENT_ID = 'sim-client';
const WINDOW = 10;

/** Texts to scan, by source. */
const texts: { source: string; text: string }[] = [];
const tokens = new Set<string>();
const keep = (source: string, text: string) => texts.push({ source, text });
const keepAll = (source: string, items: Iterable<string>) => {
  for (const text of items) keep(source, text);
};
const describeError = (error: unknown) => `${String(error)} ${error instanceof Error ? `${error.stack} ${inspect(error, { depth: 5 })}` : inspect(error)}`;

/** Every 10-character piece of every form of `value` a leak could take. */
function needles(value: string): string[] {
  const forms = [
    value,
    encodeURIComponent(value),
    encodeURIComponent(encodeURIComponent(value)),
    new URLSearchParams({ v: value }).toString().slice(2),
    Buffer.from(value).toString('base64'),
    Buffer.from(value).toString('base64url'),
    JSON.stringify(value).slice(1, -1),
  ];
  // The Basic header: base64(clientId:secret); only the part that encodes the secret (3-byte aligned) is secret.
  const basic = Buffer.from(`${CLIENT_ID}:${value}`).toString('base64');
  const aligned = Math.ceil((CLIENT_ID.length + 1) / 3) * 4;
  forms.push(basic.slice(aligned));
  const pieces = new Set<string>();
  for (const form of forms) for (let i = 0; i + WINDOW <= form.length; i++) pieces.add(form.slice(i, i + WINDOW));
  return [...pieces];
}

function scan(list: readonly { source: string; text: string }[] = texts): { source: string; needle: string; context: string }[] {
  const index = new Map<string, string>();
  for (const secret of [SECRET, WRONG_SECRET, ...tokens]) for (const needle of needles(secret)) index.set(needle, secret === SECRET || secret === WRONG_SECRET ? 'client secret' : 'access token');
  const found: { source: string; needle: string; context: string }[] = [];
  for (const { source, text } of list) {
    for (let i = 0; i + WINDOW <= text.length; i++) {
      const piece = text.slice(i, i + WINDOW);
      if (index.has(piece)) {
        found.push({ source, needle: `${index.get(piece)}: ${piece}`, context: text.slice(Math.max(0, i - 60), i + 70) });
        break;
      }
    }
  }
  return found;
}

describe('no secret or token in any output', () => {
  const model = createWorldModel();
  const paths = coveringPaths(model);

  it('the scan finds a planted secret in each form it looks for', () => {
    const token = 'sim.Abcdefghijklmnopqrstuvwxyz012345';
    tokens.add(token);
    const planted = [
      `x ${SECRET} y`,
      `url?secret=${encodeURIComponent(SECRET)}&z`,
      `Basic ${Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64')}`,
      `just a piece: ${SECRET.slice(9, 21)}`,
      `token tail ${token.slice(-12)}`,
      `json "${JSON.stringify({ s: WRONG_SECRET }).slice(6, 30)}"`,
    ].map((text) => ({ source: 'planted', text }));
    expect(scan(planted)).toHaveLength(planted.length);
    expect(scan([{ source: 'clean', text: 'access_token=[redacted] Secret([redacted]) sim-client sim-subscription' }])).toEqual([]);
    tokens.delete(token);
  });

  it(`model paths (${paths.length}, every transition and fault kind) with a recognisable secret`, async () => {
    for (const [index, path] of paths.entries()) {
      await runPath(model, path, `secret path ${index + 1}`, {
        clientSecret: SECRET,
        keepInspection: true,
        inspect: (world) => {
          keepAll(`model log`, world.logs);
          keepAll(`model inspection`, world.inspection);
          keepAll(`model inspect option`, world.inspectionMessages);
          keepAll(`model error`, world.errors.map(describeError));
          for (const token of world.tokens) tokens.add(token);
          const snapshot = world.client.actor.getSnapshot();
          keep('model snapshot', JSON.stringify(snapshot));
          keep('model snapshot', inspect(snapshot, { depth: 4 }));
          keep('model persisted snapshot', JSON.stringify(world.client.actor.getPersistedSnapshot()));
          keep('model outages', JSON.stringify(world.client.outages));
        },
      });
    }
    expect(tokens.size).toBeGreaterThan(paths.length);
  });

  it('a chaos run with a recognisable secret', async () => {
    const collect = { texts: [] as string[], tokens: [] as string[] };
    const report = await runSoak({ faults: 150, seed: 0x5ec2e7, clientSecret: SECRET, collect });
    keepAll('chaos log / inspection', collect.texts);
    for (const token of collect.tokens) tokens.add(token);
    keep('chaos report', JSON.stringify(report));
    expect(collect.tokens.length).toBeGreaterThan(1);
  });

  it('errors of handlers and of start(), with tokens in them, are scrubbed before they are logged', async () => {
    const sim = await createZoomSimulator({ clientSecret: SECRET });
    const issued: string[] = [];
    sim.on('token', ({ accessToken }) => issued.push(accessToken));
    const logs: string[] = [];
    const log = (message: string, ...rest: unknown[]) => logs.push(`${message} ${rest.map((item) => inspect(item)).join(' ')}`);
    const client = new ZoomWsClient({ ...sim.credentials, oauthUrl: sim.oauthUrl, wsUrl: sim.wsUrl, logger: { debug: log, info: log, warn: log, error: log } });
    client.on('*', () => {
      const token = issued.at(-1)!;
      throw new Error(`handler saw ws://zoom/ws?access_token=${token} and ${encodeURIComponent(SECRET)} and ${token}`);
    });
    try {
      await client.start();
      sim.emit({ event: 'meeting.started', payload: { object: {} } });
      await eventually(() => (client.stats.handlerErrors === 1 ? undefined : 'no handler error yet'), 'handler error');
      // A URL is logged for every socket, with the token redacted.
      expect(logs.some((line) => /connecting to ws:\/\/127\.0\.0\.1:\d+\/ws\?subscriptionId=sim-subscription&access_token=\[redacted\]/.test(line))).toBe(true);
      expect(logs.some((line) => line.includes('access_token=[redacted]') && line.includes('handler saw'))).toBe(true);
    } finally {
      await client.stop();
      await sim.stop();
    }
    // start() of a client with the wrong secret rejects with a typed error that does not repeat it.
    const wrong = await createZoomSimulator({ clientSecret: SECRET });
    try {
      const client2 = new ZoomWsClient({ ...wrong.credentials, clientSecret: WRONG_SECRET, oauthUrl: wrong.oauthUrl, wsUrl: wrong.wsUrl, logger: { debug: log, info: log, warn: log, error: log } });
      const error = await client2.start().catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ZoomAuthError' });
      keep('start() rejection', describeError(error));
      keep('client inspect', inspect(client2, { depth: 4 }));
    } finally {
      await wrong.stop();
    }
    for (const token of issued) tokens.add(token);
    keepAll('handler-error log', logs);
  });

  it('the CLI: stdout, stderr (--verbose), through drops, refusals, rotations and a wrong secret', async () => {
    const sim = await createZoomSimulator({ clientSecret: SECRET, tokenTtlSeconds: 0.6 });
    sim.on('token', ({ accessToken }) => tokens.add(accessToken));
    try {
      const run = runCli(['listen', '--verbose', '--heartbeat-interval', '50', '--backoff-initial', '10', '--backoff-max', '20', '--refresh-margin', '400'], { ...sim.env });
      await run.waitFor(() => run.stderr().includes('connecting → open'), 'open');
      sim.emit({ event: 'meeting.started', payload: { object: { id: 1 } } });
      // (No displacement: the CLI would wait its default displaced delay of a minute.)
      for (const fault of [() => sim.faults.drop(), () => sim.faults.revokeTokens(), () => sim.faults.rejectUpgrades(1, 401), () => sim.faults.failTokenRequests(1, { status: 500 }), () => sim.faults.close(4000, 'bye')]) {
        const before = sim.stats.connections;
        fault();
        sim.faults.drop();
        await eventually(() => (sim.stats.connections > before && sim.liveConnectionCount() === 1 ? undefined : 'not live again'), 'live again', 5_000);
      }
      // Wait for a rotation or two (tokens live 0.6 s).
      const issuedBefore = tokens.size;
      await run.waitFor(() => tokens.size >= issuedBefore + 2, 'rotations', 5_000);
      run.child.kill('SIGINT');
      expect((await run.exit).code).toBe(0);
      keep('cli stdout', run.stdout());
      keep('cli stderr', run.stderr());
      expect(run.stderr()).toMatch(/access_token=\[redacted\]/);

      const wrong = runCli(['listen', '--verbose'], { ...sim.env, ZOOM_CLIENT_SECRET: WRONG_SECRET });
      expect((await wrong.exit).code).toBe(1);
      keep('cli stdout (wrong secret)', wrong.stdout());
      keep('cli stderr (wrong secret)', wrong.stderr());
    } finally {
      await sim.stop();
    }
  });

  afterAll(() => {
    const leaks = scan();
    console.log(`secrets scan: ${texts.length} texts (${texts.reduce((n, t) => n + t.text.length, 0)} characters), ${tokens.size} tokens, ${leaks.length} leaks`);
    expect(texts.length).toBeGreaterThan(1_000);
    expect(leaks).toEqual([]);
  });
});
