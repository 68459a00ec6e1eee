import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Records a suite's summary line. Always logged; when `ZOOM_WS_SUMMARY_DIR` is set (by
 * `scripts/run-with-summary.mjs`), also written to `<dir>/<name>.json` so the runner can print it as the
 * very last line, after vitest's own report.
 */
export function recordSummary(name: string, line: string, details: Record<string, unknown> = {}): void {
  console.log(line);
  const dir = process.env.ZOOM_WS_SUMMARY_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ line, ...details }, null, 2)}\n`);
}
