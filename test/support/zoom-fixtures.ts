import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `<repoRoot>/../shared/fixtures/zoom-events`: the real and documented Zoom bodies (see its `sources.md`). */
export const ZOOM_FIXTURES_DIR = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'zoom-events');

/** One fixture file: its name, its exact text and its parsed JSON. */
export interface FixtureFile<TBody = Record<string, unknown>> {
  file: string;
  text: string;
  body: TBody;
}

/**
 * The `.json` files of `sub` (`''` for the event bodies), sorted by name. A missing folder throws at once:
 * a test that silently ran over zero fixtures would prove nothing.
 */
export function readFixtures(sub: '' | 'frames' | 'oauth' = ''): FixtureFile[] {
  const dir = path.join(ZOOM_FIXTURES_DIR, sub);
  if (!existsSync(dir)) {
    throw new Error(`Zoom fixtures not found at ${dir}: put a copy of shared/ beside the repository (../shared/fixtures/zoom-events)`);
  }
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => entry.name)
    .sort();
  if (files.length === 0) throw new Error(`No .json fixtures in ${dir}`);
  return files.map((file) => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    return { file, text, body: JSON.parse(text) as Record<string, unknown> };
  });
}

/** An event body as Zoom sends it over the socket: a `message` frame whose `content` is the body's JSON text. */
export function messageFrame(content: string): string {
  return JSON.stringify({ module: 'message', success: true, content, header: {} });
}
