import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** Sub-folders served as they are: the statechart layouts computed at build time (`npm run layout`). */
const SUBFOLDERS = ['layouts'];

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/**
 * The package's `visualizer/` folder. This module runs from `src/visualizer-server/` (tests) and from
 * `dist/src/visualizer-server/` (the installed CLI), so it looks upwards for the folder instead of
 * assuming a depth.
 */
export function findVisualizerDir(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'visualizer');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`visualizer/index.html not found above ${from}`);
  }
}

/**
 * Loads the page's assets into memory once: a fixed map from URL path to file, so no request path ever
 * reaches the file system (no traversal to worry about). Only files with a known type are served: top-level
 * ones and those of {@link SUBFOLDERS}.
 */
export async function loadStaticFiles(dir: string): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  for (const folder of ['', ...SUBFOLDERS]) {
    const path = join(dir, folder);
    if (!existsSync(path)) continue;
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const contentType = CONTENT_TYPES[extname(entry.name)];
      if (!entry.isFile() || !contentType) continue;
      const url = folder === '' ? `/${entry.name}` : `/${folder}/${entry.name}`;
      files.set(url, { body: await readFile(join(path, entry.name)), contentType });
    }
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}
