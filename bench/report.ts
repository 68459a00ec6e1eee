/** The markdown table on stdout and the JSON file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Row } from './harness.js';

export function formatNumber(value: number | null): string {
  if (value === null || Number.isNaN(value)) return '—';
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  if (magnitude === 0) return '0';
  return value.toFixed(3);
}

function range(spread: [number, number] | null): string {
  if (!spread) return '—';
  return `${formatNumber(spread[0])}–${formatNumber(spread[1])}`;
}

function met(row: Row): string {
  if (row.met === null) return '—';
  return row.met ? 'yes' : '**no**';
}

const signed = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(3)}`;

/** The added latency, with its 95 % interval where the row has one. */
function added(row: Row): string {
  if (row.added === undefined) return '';
  if (!row.addedInterval) return signed(row.added);
  return `${signed(row.added)} [${signed(row.addedInterval[0])}, ${signed(row.addedInterval[1])}]`;
}

export function markdownTable(rows: readonly Row[]): string {
  const header = ['benchmark', 'unit', 'zoom-ws', 'min–max', 'bare ws', 'min–max', 'ratio', 'added', 'target', 'met', 'rounds'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i >= 2 && i <= 7 ? '---:' : '---')).join('|')}|`];
  for (const row of rows) {
    lines.push(
      `| ${[
        row.name,
        row.unit,
        formatNumber(row.value),
        range(row.spread.value),
        formatNumber(row.baseline),
        range(row.spread.baseline),
        row.ratio === null ? '—' : row.ratio.toFixed(2),
        added(row),
        row.target,
        met(row),
        String(row.rounds),
      ].join(' | ')} |`,
    );
  }
  const notes = rows.filter((row) => row.note).map((row) => `- ${row.name}: ${row.note}`);
  return notes.length > 0 ? `${lines.join('\n')}\n\nNotes:\n${notes.join('\n')}` : lines.join('\n');
}

export function writeJson(path: string, rows: readonly Row[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(rows, null, 2)}\n`);
}
