import { afterEach, describe, expect, it } from 'vitest';
import { ZoomWsClient, type ZoomWsClientOptions } from '../../src/index.js';
import { createZoomSimulator, type ZoomSimulator } from '../../src/simulator/index.js';
import { FAST_TIMINGS, sampleEvent, type LogLine } from '../support/harness.js';
import { runCli } from '../support/cli.js';
import { startProxyProcess, type ProxyProcess } from '../support/proxy-process.js';
import { eventually, leakedHandles, liveHandles } from '../support/wait.js';

const PROXY_ENV = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
const PASSWORD = 'pr0xy-S3cret-pass';

describe('behind a proxy (a real `proxy` process on loopback)', () => {
  let sim: ZoomSimulator | undefined;
  let proxy: ProxyProcess | undefined;
  let client: ZoomWsClient | undefined;
  const savedEnv = Object.fromEntries(PROXY_ENV.map((name) => [name, process.env[name]]));

  afterEach(async () => {
    await client?.stop();
    await proxy?.stop();
    await sim?.stop();
    client = proxy = sim = undefined;
    for (const name of PROXY_ENV) {
      if (savedEnv[name] === undefined) delete process.env[name];
      else process.env[name] = savedEnv[name];
    }
  });

  /** The token endpoint as 127.0.0.1, the WebSocket as localhost: the proxy's CONNECT lines tell them apart. */
  async function setUp(options: Partial<ZoomWsClientOptions> = {}) {
    sim = await createZoomSimulator();
    const logs: LogLine[] = [];
    const logger = Object.fromEntries((['debug', 'info', 'warn', 'error'] as const).map((level) => [level, (message: string) => logs.push({ level, message })])) as unknown as ZoomWsClientOptions['logger'];
    client = new ZoomWsClient({
      ...sim.credentials,
      oauthUrl: sim.oauthUrl,
      wsUrl: sim.wsUrl.replace('127.0.0.1', 'localhost'),
      ...FAST_TIMINGS,
      logger,
      ...options,
    });
    return { sim, client, logs, tokenTarget: `127.0.0.1:${sim.port}`, wsTarget: `localhost:${sim.port}` };
  }

  it('sends the token request and the WebSocket through the `proxy` option, with credentials, never logging the password', async () => {
    proxy = await startProxyProcess({ auth: `zoomuser:${PASSWORD}` });
    const { sim, client, logs, tokenTarget, wsTarget } = await setUp({ proxy: proxy.url });
    await client.start();
    sim.play([sampleEvent(1)]);
    const received: string[] = [];
    client.on('*', (event) => void received.push(event.event));
    await eventually(() => (received.length === 1 ? undefined : `${received.length} events`), 'an event through the tunnel');
    // Every request went through a tunnel of its own. A tunnel the proxy logged may carry a request that has not
    // reached the simulator yet (a reconnect under load): the counts agree once it has.
    const tunnels = (target: string) => proxy!.requests.filter((request) => request.method === 'CONNECT' && request.url === target).length;
    await eventually(() => (tunnels(tokenTarget) === sim.stats.tokenRequests && tunnels(wsTarget) === sim.stats.connections ? undefined : `${tunnels(tokenTarget)}/${sim.stats.tokenRequests} token, ${tunnels(wsTarget)}/${sim.stats.connections} ws`), 'one tunnel per request');
    const connects = proxy.requests.filter((request) => request.method === 'CONNECT');
    expect(sim.stats.tokenRequests).toBeGreaterThan(0);
    expect(sim.stats.connections).toBeGreaterThan(0);
    expect(connects.every((request) => request.authorized)).toBe(true);
    await client.stop();
    expect(JSON.stringify(logs)).not.toContain(PASSWORD);
  });

  it('honours HTTP_PROXY from the environment, and NO_PROXY bypasses it', async () => {
    proxy = await startProxyProcess();
    process.env.HTTP_PROXY = proxy.url;
    const first = await setUp();
    await first.client.start();
    expect(proxy.requests.map((request) => request.url)).toEqual(expect.arrayContaining([first.tokenTarget, first.wsTarget]));
    await first.client.stop();
    await first.sim.stop();

    process.env.NO_PROXY = 'localhost,127.0.0.1';
    const seen = proxy.requests.length;
    const second = await setUp();
    await second.client.start();
    expect(second.sim.stats.connections).toBe(1);
    expect(proxy.requests.length).toBe(seen);
  });

  it('`proxy: false` ignores the environment', async () => {
    proxy = await startProxyProcess();
    process.env.HTTP_PROXY = proxy.url;
    process.env.HTTPS_PROXY = proxy.url;
    const { client, sim } = await setUp({ proxy: false });
    await client.start();
    expect(sim.stats.connections).toBe(1);
    expect(proxy.requests).toEqual([]);
  });

  it('a proxy that answers 407 leads to backoff, not a crash, and its wrong password is never logged', async () => {
    proxy = await startProxyProcess({ auth: 'zoomuser:the-right-one', urlAuth: `zoomuser:${PASSWORD}` });
    const { client, logs, sim } = await setUp({ proxy: proxy.url, backoffInitial: 40, backoffMax: 80 });
    const started = performance.now();
    void client.start().catch(() => {});
    await eventually(() => (proxy!.requests.length >= 3 ? undefined : `${proxy!.requests.length} attempts`), 'three refused attempts');
    const elapsed = performance.now() - started;
    // Each retry waits at least backoffInitial/2: three attempts cannot come faster than two waits.
    expect(elapsed).toBeGreaterThanOrEqual(40);
    expect(proxy.requests.every((request) => !request.authorized)).toBe(true);
    expect(sim.stats.tokenRequests).toBe(0);
    expect(['authenticating', 'backoff']).toContain(client.state);
    expect(logs.some((line) => line.message.includes('Retrying in'))).toBe(true);
    expect(JSON.stringify(logs)).not.toContain(PASSWORD);
    expect(JSON.stringify(logs)).not.toContain(Buffer.from(`zoomuser:${PASSWORD}`).toString('base64'));
  });

  it('a proxy that dies (SIGKILL) ends in an outage and repeated backoff, not a crash; stop leaves nothing behind', async () => {
    const baseline = liveHandles();
    proxy = await startProxyProcess();
    const setup = await setUp({ proxy: proxy.url, backoffInitial: 40, backoffMax: 80 });
    await setup.client.start();
    const states: string[] = [];
    setup.client.onStateChange(({ to }) => states.push(to));
    await proxy.kill();
    await eventually(() => (states.filter((state) => state === 'backoff').length >= 2 ? undefined : states.join(',')), 'repeated backoff with the proxy gone');
    expect(setup.client.state).not.toBe('failed');
    expect(setup.sim.stats.connections).toBe(1);
    await setup.client.stop();
    expect(setup.client.outages.map((outage) => outage.endedBy)).toEqual(['stopped']);
    await setup.sim.stop();
    sim = undefined;
    client = undefined;
    expect(await leakedHandles(baseline)).toEqual([]);
  });

  it('CLI: listen --proxy URL tunnels through the proxy and never prints its password', async () => {
    proxy = await startProxyProcess({ auth: `cli:${PASSWORD}` });
    sim = await createZoomSimulator();
    const run = runCli(['listen', '--proxy', proxy.url, '--verbose'], { ...sim.env });
    try {
      await run.waitFor(() => run.stderr().includes('→ open'), 'open through the proxy');
      expect(proxy.requests.filter((request) => request.method === 'CONNECT' && request.authorized).length).toBe(sim.stats.tokenRequests + sim.stats.connections);
      run.child.kill('SIGTERM');
      expect((await run.exit).code).toBe(0);
      expect(run.stderr() + run.stdout()).not.toContain(PASSWORD);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await run.exit;
    }
  });
});
