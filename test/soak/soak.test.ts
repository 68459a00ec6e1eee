/**
 * Chaos soak (issue 3, part 2): ≥ 1,000 seeded random faults against the simulator while a numbered event
 * stream flows (`SOAK_FAULTS=N` for more, `SOAK_SEED=S` for another schedule). Run by
 * `npm run test:soak` with `--unhandled-rejections=strict`; under plain `vitest run` an unhandled rejection
 * fails the run too, and the soak records its own.
 */
import { describe, expect, it } from 'vitest';
import { recordSummary } from '../support/summary.js';
import { runSoak } from './chaos.js';

const FAULTS = Number(process.env.SOAK_FAULTS ?? 1_000);
const SEED = Number(process.env.SOAK_SEED ?? 0x20_24_06_07);

describe('chaos soak', () => {
  it(`survives ${FAULTS} faults (seed ${SEED}): nothing lost while live, nothing twice, every gap reported, nothing leaked`, async () => {
    const report = await runSoak({ faults: FAULTS, seed: SEED });
    const line = `faults: ${report.faults}, events: ${report.events}, lost-while-live: ${report.lostWhileLive.length}, duplicates: ${report.duplicates}, leaked-handles: ${report.leakedHandles.length}`;
    recordSummary('soak', line, { report });
    console.log(JSON.stringify({ ...report, lostWhileLive: report.lostWhileLive.slice(0, 20), unreportedLoss: report.unreportedLoss.slice(0, 20) }, null, 2));
    expect(report.crashes).toEqual([]);
    expect(report.unhandledRejections).toEqual([]);
    expect(report.violations).toEqual([]);
    expect(report.lostWhileLive).toEqual([]);
    expect(report.duplicates).toBe(0);
    expect(report.outOfOrder).toBe(0);
    expect(report.unreportedLoss).toEqual([]);
    expect(report.leakedHandles).toEqual([]);
    // The schedule leaves the subscription live a good part of the time: delivery is really exercised.
    expect(report.emittedWhileLive).toBeGreaterThan(report.events / 4);
    expect(report.rotations).toBeGreaterThan(0);
  }, 60_000 + FAULTS * 60);
});
