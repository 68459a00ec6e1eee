import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectionMachine } from '../../machines/connection.machine.js';
import { startVisualizerServer, type VisualizerServer } from '../../src/visualizer-server/server.js';
import { runCli, type CliRun } from '../support/cli.js';
import { createHarness, type Harness } from '../support/harness.js';
import { activeStates, launchBrowser, openGuardedPage, type GuardedPage } from './browser.js';
import { allStateIds } from './state-ids.js';

const OPEN = 'zoomWs.connection.open';

/** Log entries (newest first) as the page shows them: history index, event and target. */
function logEntries(page: Page): Promise<Array<{ index: number; event: string; target: string }>> {
  return page.locator('#log li').evaluateAll((items) =>
    items.map((item) => ({ index: Number(item.getAttribute('data-index')), event: item.getAttribute('data-event')!, target: item.getAttribute('data-target')! })),
  );
}

const isActive = (page: Page, state: string) => page.locator(`[data-state="${state}"][data-active="true"]`).waitFor({ timeout: 10_000 });

function expectOnlyLocalRequests(guarded: GuardedPage, port: number): void {
  expect(guarded.requests.length).toBeGreaterThan(3);
  for (const url of guarded.requests) expect(new URL(url).host, url).toBe(`127.0.0.1:${port}`);
}

/**
 * Set up on first use by each test, not in `beforeAll`: a hook that fails makes vitest report the tests as
 * skipped, and a missing Chromium must fail every browser test with the install command instead.
 */
function once<T>(setup: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= setup());
}

describe('visualizer in a real browser', () => {
  let launched: Browser | undefined;
  const browser = once(async () => (launched = await launchBrowser()));
  afterAll(async () => {
    await launched?.close();
  });

  describe('zoom-ws visualize (embedded simulator and client)', () => {
    let cli: CliRun | undefined;
    let url: URL;
    let guarded: GuardedPage;
    const ready = once(async () => {
      const chromium = await browser();
      cli = runCli(['visualize', '--port', '0']);
      await cli.waitFor(() => cli!.stdoutLines().length > 0, 'the page URL');
      url = new URL(cli.stdoutLines()[0]!);
      guarded = await openGuardedPage(chromium);
      await guarded.page.goto(url.href);
      await guarded.page.locator('body[data-diagram="ready"]').waitFor();
    });

    afterAll(async () => {
      if (!cli) return;
      await guarded?.close();
      cli.child.kill('SIGINT');
      // Exiting at all proves the simulator, client and server released everything (main.ts never calls exit).
      const { code } = await cli.exit;
      expect(code).toBe(0);
      expect(cli.stderr()).toContain('SIGINT: closing');
    });

    it('draws every state of the machine, nested, and the transitions with their events and delays', async () => {
      await ready();
      const drawn = await guarded.page.locator('[data-state]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-state')));
      expect(drawn.sort()).toEqual(allStateIds(connectionMachine.root).sort());
      const labels = await guarded.page.locator('[data-transition] .label').allTextContents();
      expect(labels).toEqual(expect.arrayContaining(['after connectTimeout', 'after heartbeatTimeout', 'SOCKET.READY [fromActiveSocket]', 'done fetchToken', 'START']));
      // Nested: the liveness region's box lies inside open's box.
      const box = (id: string) => guarded.page.locator(`[data-state="${id}"] > rect`).first().boundingBox();
      const [open, quiet] = await Promise.all([box(OPEN), box(`${OPEN}.liveness.quiet`)]);
      expect(quiet!.x).toBeGreaterThan(open!.x);
      expect(quiet!.y + quiet!.height).toBeLessThan(open!.y + open!.height);
    });

    it('shows the client reaching open, with a redacted context', async () => {
      await ready();
      await isActive(guarded.page, OPEN);
      expect(await activeStates(guarded.page)).toEqual(expect.arrayContaining(['zoomWs', 'zoomWs.connection', OPEN, `${OPEN}.liveness`, `${OPEN}.refresh`, `${OPEN}.refresh.scheduled`]));
      const entries = await logEntries(guarded.page);
      expect(entries.map((entry) => entry.target).reverse().slice(0, 4)).toEqual(['idle', 'authenticating', 'connection.connecting', 'connection.open (liveness.quiet, refresh.scheduled)']);
      await expect.poll(() => guarded.page.locator('[data-field="token"]').textContent()).toMatch(/^\[redacted\], expires \d\d:\d\d:\d\d\.\d{3} \(in \d+ s\)$/);
      expect(await guarded.page.locator('#context-json').textContent()).not.toMatch(/access_token=(?!\[redacted\])/);
      await guarded.screenshot('visualizer-open');
    });

    it('drop: the diagram goes through backoff (or connecting) and back to open', async () => {
      await ready();
      await isActive(guarded.page, OPEN);
      const before = Math.max(...(await logEntries(guarded.page)).map((entry) => entry.index));
      await guarded.page.click('[data-fault="drop"]');
      await expect.poll(() => guarded.page.locator('#command-result').textContent()).toMatch(/^drop: dropped every socket/);
      // Every snapshot is logged, so a fast reconnect cannot slip past the assertion.
      await expect.poll(async () => {
        const after = (await logEntries(guarded.page)).filter((entry) => entry.index > before).reverse().map((entry) => entry.target);
        const down = after.findIndex((target) => target === 'backoff' || target === 'connection.connecting');
        return down !== -1 && after.slice(down).some((target) => target.startsWith('connection.open'));
      }, { timeout: 10_000 }).toBe(true);
      await isActive(guarded.page, OPEN);
      const afterDrop = (await logEntries(guarded.page)).filter((entry) => entry.index > before);
      expect(afterDrop.map((entry) => entry.event)).toContain('SOCKET.DOWN');
      await guarded.screenshot('visualizer-after-drop');
    });

    it('step back shows the previous visible change in the diagram and the context panel, with the event that led to it; live returns', async () => {
      await ready();
      const page = guarded.page;
      const shownIndex = async () => Number(await page.locator('#log li[aria-current]').getAttribute('data-index'));
      const newest = Math.max(...(await logEntries(page)).map((entry) => entry.index));
      // The first step freezes the view: snapshots that arrive from now on do not move it.
      await page.click('[data-action="step-back"]');
      await expect.poll(() => page.locator('#position').getAttribute('data-view')).toBe('history');
      const start = await shownIndex();
      expect(start).toBeLessThan(newest + 2);
      const entries = (await logEntries(page)).filter((entry) => entry.index <= start); // newest first
      const backoff = entries.findIndex((entry) => entry.target === 'backoff');
      expect(backoff).toBeGreaterThanOrEqual(0);
      for (let step = 0; step <= backoff; step++) {
        if (step > 0) await page.click('[data-action="step-back"]');
        const expected = entries[step]!;
        await expect.poll(shownIndex).toBe(expected.index);
        expect(await page.locator('#now').textContent()).toBe(expected.target);
        // Each step changes what is shown, and names the event that led to it.
        if (step > 0) expect(expected.target === entries[step - 1]!.target && expected.event === entries[step - 1]!.event).toBe(false);
        expect(await page.locator('#led-by').getAttribute('data-event')).toBe(expected.event);
        expect(await page.locator('#position').textContent()).toMatch(/^snapshot \d+ of \d+$/);
      }
      expect(await activeStates(page)).toEqual(['zoomWs', 'zoomWs.backoff']);
      expect(await page.locator('[data-field="last-failure"]').textContent()).toMatch(/1006/);
      expect(await page.locator('[data-field="attempt"]').textContent()).toBe('1');
      await guarded.screenshot('visualizer-step-back');

      await page.click('[data-action="step-forward"]');
      await expect.poll(shownIndex).toBe(entries[backoff - 1]?.index ?? entries[0]!.index);
      await page.click('[data-action="live"]');
      await expect.poll(() => page.locator('#position').getAttribute('data-view')).toBe('live');
      await isActive(page, OPEN);
    });

    it('fault buttons act on the simulator; the sample event reaches the client', async () => {
      await ready();
      await guarded.page.click('[data-action="emit-event"]');
      await expect.poll(() => guarded.page.locator('#events li').count()).toBe(1);
      for (const fault of ['token-error', 'revoke-token', 'stall', 'displace']) {
        await guarded.page.click(`[data-fault="${fault}"]`);
        await expect.poll(() => guarded.page.locator('#command-result').textContent()).toMatch(new RegExp(`^${fault}: `));
        expect(await guarded.page.locator('#command-result').getAttribute('data-ok')).toBe('true');
      }
    });

    it('made no request that left 127.0.0.1 and raised no page error', async () => {
      await ready();
      expectOnlyLocalRequests(guarded, Number(url.port));
      expect(guarded.requests).toContain(`ws://127.0.0.1:${url.port}/ui?token=${url.searchParams.get('token')}`);
      expect(guarded.errors).toEqual([]);
    });
  });

  describe('attach mode: a service with the inspect option', () => {
    let server: VisualizerServer;
    let harness: Harness | undefined;
    let guarded: GuardedPage | undefined;

    beforeAll(async () => {
      server = await startVisualizerServer({ mode: 'attach' });
    });
    afterEach(async () => {
      await guarded?.close();
      await harness?.stop();
    });
    afterAll(async () => {
      await server.close();
    });

    it('shows how to attach, then follows an attached client from idle to open to closed', async () => {
      guarded = await openGuardedPage(await browser());
      await guarded.page.goto(server.url);
      await guarded.page.locator('#attach-help:not([hidden])').waitFor();
      expect(await guarded.page.locator('#attach-code').textContent()).toContain(`inspect: '${server.inspectUrl}'`);
      expect(await guarded.page.locator('#commands').isHidden()).toBe(true);

      harness = await createHarness({ inspect: server.inspectUrl });
      await harness.client.start();
      await isActive(guarded.page, OPEN);
      await guarded.screenshot('visualizer-attach');
      await harness.client.stop();
      await isActive(guarded.page, 'zoomWs.closed');
      expectOnlyLocalRequests(guarded, server.port);
      expect(guarded.errors).toEqual([]);
    });
  });
});
