import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { consumerLockfile } from './consumer-lock.js';

/**
 * The package as a user gets it: `npm pack`, installed from the npm cache (`--offline`) into a fresh strict
 * NodeNext project, type-checked with `skipLibCheck: false` (tsc's default), run, and required from CommonJS.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
let work: string;
let project: string;

const PROGRAM = `import { ZoomWsClient, type ZoomWsClientOptions } from 'zoom-ws';
import { createZoomSimulator } from 'zoom-ws/simulator';
import { ZoomWsReceiver } from 'zoom-ws/rivet';

const simulator = await createZoomSimulator();
const options: ZoomWsClientOptions = { ...simulator.credentials, oauthUrl: simulator.oauthUrl, wsUrl: simulator.wsUrl };
const client = new ZoomWsClient(options);
// zoom-ws/rivet resolves and type-checks without @zoom/rivet installed.
const installable: false = new ZoomWsReceiver({ client }).canInstall();
await client.start();
const state: string = client.state;
await client.stop();
await simulator.stop();
process.stdout.write(\`reached \${state}\\n\`);
`;

const run = (command: string, args: string[], cwd: string) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });

/** Packs and installs once, on first use by a test (a failing `beforeAll` would report the tests as skipped). */
let installed: Promise<void> | undefined;
const install = () => (installed ??= (async () => {
  work = mkdtempSync(join(tmpdir(), 'zoom-ws-pack-'));
  // The real `npm pack`, with its prepack build.
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], ROOT).trim().split('\n').at(-1)!;
  project = join(work, 'project');
  mkdirSync(project);
  const { packageJson, lock } = consumerLockfile(join(ROOT, 'package-lock.json'), join(work, tarball));
  writeFileSync(join(project, 'package.json'), packageJson);
  writeFileSync(join(project, 'package-lock.json'), lock);
  run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project);
})());

describe('the published package', { timeout: 60_000 }, () => {
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('carries no install-time script, and ships the LICENSE, the screenshot the README shows and the layouts', async () => {
    await install();
    const pkg = join(project, 'node_modules/zoom-ws');
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) expect(manifest.scripts?.[script], script).toBeUndefined();
    expect(readFileSync(join(pkg, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} zoom-ws contributors/);
    const images = [...readFileSync(join(pkg, 'README.md'), 'utf8').matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((match) => match[1]!);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(existsSync(join(pkg, image)), image).toBe(true);
    expect(existsSync(join(pkg, 'visualizer/layouts/zoomWs.json'))).toBe(true);
    // The layout engine is a build-time tool: users install none, and the generator is not shipped.
    expect(existsSync(join(project, 'node_modules/elkjs'))).toBe(false);
    expect(existsSync(join(pkg, 'dist/src/diagram'))).toBe(false);
  });

  it('type-checks a program using the client and the simulator with skipLibCheck false, and runs it', async () => {
    await install();
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, outDir: 'out', types: ['node'] },
      files: ['main.ts'],
    }));
    writeFileSync(join(project, 'main.ts'), PROGRAM);
    let output = '';
    try {
      output = run(process.execPath, [TSC, '-p', 'tsconfig.json'], project);
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
    expect(run(process.execPath, ['out/main.js'], project)).toBe('reached open\n');
  });

  it('loads from CommonJS with require() (Node >= 20.19 requires ES modules without top-level await)', async () => {
    await install();
    writeFileSync(join(project, 'main.cjs'), "const zoom = require('zoom-ws');\nprocess.stdout.write(typeof zoom.ZoomWsClient);\n");
    expect(run(process.execPath, ['main.cjs'], project)).toBe('function');
  });
});
