import { describe, expect, it } from 'vitest';
import {
  describeFingerprintDifference,
  estimateRemainingSeconds,
  fingerprintHash,
  jobCost,
  jobFingerprint,
  multiTaskSubsets,
  normalizeFractions,
  planExperiment,
  PRESETS,
  splitSizes,
  type ExperimentSettings,
} from '../../src-main/core/experiment/plan';
import { repeatSeeds, splitIndices } from '../../src-main/core/metrics/split';

const TASKS = [
  { name: 'formation_energy_per_atom_eV', unit: 'eV/atom' },
  { name: 'band_gap_eV', unit: 'eV' },
  { name: 'efermi_eV', unit: 'eV' },
];

function settings(over: Partial<ExperimentSettings> = {}): ExperimentSettings {
  return { preset: 'paper', tasks: TASKS, repeats: 2, baseSeed: 7, fractions: [0.2, 0.6], train: PRESETS.paper.train, ...over };
}

describe('task combinations', () => {
  it("3 properties give the paper's E1 = 1+2, E2 = 1+3, E3 = 2+3, E4 = all", () => {
    expect(multiTaskSubsets(3)).toEqual({ subsets: [[0, 1], [0, 2], [1, 2], [0, 1, 2]], capped: false });
  });

  it('2 properties give one combination; 4 give all 11 subsets of size >= 2', () => {
    expect(multiTaskSubsets(2).subsets).toEqual([[0, 1]]);
    const four = multiTaskSubsets(4);
    expect(four.capped).toBe(false);
    expect(four.subsets).toHaveLength(11);
    expect(four.subsets.at(-1)).toEqual([0, 1, 2, 3]);
    expect(four.subsets.slice(0, 6).every((s) => s.length === 2)).toBe(true);
  });

  it('more than 4 properties are capped to the pairs and the all-task model', () => {
    const five = multiTaskSubsets(5);
    expect(five.capped).toBe(true);
    expect(five.subsets).toHaveLength(10 + 1);
    expect(five.subsets.at(-1)).toEqual([0, 1, 2, 3, 4]);
    expect(multiTaskSubsets(8).subsets).toHaveLength(28 + 1);
  });

  it('refuses fewer than 2 or more than 8 properties', () => {
    expect(() => multiTaskSubsets(1)).toThrow(/at least 2/);
    expect(() => multiTaskSubsets(9)).toThrow(/at most 8/);
  });
});

describe('planExperiment', () => {
  const plan = planExperiment(settings());

  it('labels single-task baselines S1..Sk and combinations E1..Em with names from the header', () => {
    expect(plan.combinations.map((c) => [c.label, c.tasks.join('+')])).toEqual([
      ['S1', 'formation_energy_per_atom_eV'],
      ['S2', 'band_gap_eV'],
      ['S3', 'efermi_eV'],
      ['E1', 'formation_energy_per_atom_eV+band_gap_eV'],
      ['E2', 'formation_energy_per_atom_eV+efermi_eV'],
      ['E3', 'band_gap_eV+efermi_eV'],
      ['E4', 'formation_energy_per_atom_eV+band_gap_eV+efermi_eV'],
    ]);
    expect(plan.allTasksLabel).toBe('E4');
  });

  it('runs every combination per repeat first (repeat-major), then the reduced-data study', () => {
    const seeds = repeatSeeds(7, 2);
    const combo = plan.jobs.filter((j) => j.study === 'combination');
    expect(combo.map((j) => j.key)).toEqual([
      ...['S1', 'S2', 'S3', 'E1', 'E2', 'E3', 'E4'].map((l) => `${l}-r0`),
      ...['S1', 'S2', 'S3', 'E1', 'E2', 'E3', 'E4'].map((l) => `${l}-r1`),
    ]);
    expect(combo.every((j) => j.seed === seeds[j.repeat] && j.trainFraction === 0.6)).toBe(true);
    expect(plan.jobs.slice(0, combo.length)).toEqual(combo);
    // Fraction 0.2: the all-task model and the 3 baselines per repeat; 0.6 is the combination job itself.
    const frac = plan.jobs.filter((j) => j.study === 'fraction');
    expect(frac.map((j) => j.key)).toEqual(['F0.2-E4-r0', 'F0.2-S1-r0', 'F0.2-S2-r0', 'F0.2-S3-r0', 'F0.2-E4-r1', 'F0.2-S1-r1', 'F0.2-S2-r1', 'F0.2-S3-r1']);
    expect(frac.every((j) => j.trainFraction === 0.2 && j.seed === seeds[j.repeat])).toBe(true);
    expect(new Set(plan.jobs.map((j) => j.key)).size).toBe(plan.jobs.length);
    expect(plan.jobs.every((j) => /^[A-Za-z0-9._-]+$/.test(j.key))).toBe(true);
  });

  it('points the 0.6 fraction of the study at the combination jobs', () => {
    const at06 = plan.fractionPoints.filter((p) => p.fraction === 0.6);
    expect(at06.map((p) => `${p.series}:${p.jobKey}`)).toEqual([
      'multi:E4-r0', 'single:S1-r0', 'single:S2-r0', 'single:S3-r0',
      'multi:E4-r1', 'single:S1-r1', 'single:S2-r1', 'single:S3-r1',
    ]);
    const keys = new Set(plan.jobs.map((j) => j.key));
    expect(plan.fractionPoints.every((p) => keys.has(p.jobKey))).toBe(true);
  });

  it('always adds the free 0.6 point (the first study) to a fraction study', () => {
    const p = planExperiment(settings({ fractions: [0.3] }));
    expect(p.settings.fractions).toEqual([0.3, 0.6]);
    expect(p.fractionPoints.filter((f) => f.fraction === 0.6)).toHaveLength(8);
    expect(p.jobs.filter((j) => j.study === 'fraction')).toHaveLength(8);
  });

  it('without a fraction study has only the combination jobs', () => {
    const p = planExperiment(settings({ fractions: [], repeats: 5 }));
    expect(p.jobs).toHaveLength(7 * 5);
    expect(p.fractionPoints).toHaveLength(0);
  });

  it('the full paper preset on 3 properties is 35 + 80 jobs', () => {
    const p = planExperiment(settings({ repeats: 5, fractions: PRESETS.paper.fractions }));
    expect(p.jobs.filter((j) => j.study === 'combination')).toHaveLength(35);
    expect(p.jobs.filter((j) => j.study === 'fraction')).toHaveLength(4 * 5 * 4);
  });

  it('validates its settings', () => {
    expect(() => planExperiment(settings({ tasks: TASKS.slice(0, 1) }))).toThrow(RangeError);
    expect(() => planExperiment(settings({ tasks: [TASKS[0], TASKS[0]] }))).toThrow(/twice/);
    expect(() => planExperiment(settings({ repeats: 0 }))).toThrow(/repeats/);
    expect(() => planExperiment(settings({ fractions: [0.7] }))).toThrow(/0\.6/);
  });
});

describe('fractions, split sizes and cost', () => {
  it('normalises fractions: sorted, unique, within (0, 0.6]', () => {
    expect(normalizeFractions([0.6, 0.2, 0.4, 0.2, 0.30000000000000004])).toEqual([0.2, 0.3, 0.4, 0.6]);
    for (const bad of [0, -0.1, 0.61, NaN]) expect(() => normalizeFractions([bad])).toThrow(RangeError);
  });

  it('splitSizes agrees with splitIndices', () => {
    for (const n of [7, 10, 99, 100, 101, 103, 25710]) {
      for (const f of [0.2, 0.3, 0.45, 0.6]) {
        const s = splitIndices(n, f === 0.6 ? { seed: 1 } : { seed: 1, trainFraction: f });
        expect(splitSizes(n, f)).toEqual({ train: s.train.length, val: s.val.length, test: s.test.length });
      }
    }
  });

  it('job cost grows with the training part and the epochs; the ETA scales the measured rate', () => {
    const full = jobCost({ trainFraction: 0.6 }, 1000, 10);
    expect(full).toBe(10 * (3 * 600 + 200) + 200);
    expect(jobCost({ trainFraction: 0.2 }, 1000, 10)).toBe(10 * (3 * 200 + 200) + 200);
    expect(estimateRemainingSeconds(0, 0, 100)).toBeUndefined();
    expect(estimateRemainingSeconds(full, 30, 2 * full)).toBeCloseTo(60);
  });
});

describe('job fingerprints', () => {
  const plan = planExperiment(settings());
  const job = plan.jobs[3];

  it('is stable and changes with anything that changes the result', () => {
    const a = jobFingerprint(job, plan.settings, 'abc');
    expect(fingerprintHash(a)).toBe(fingerprintHash(JSON.parse(JSON.stringify(a))));
    expect(fingerprintHash(a)).toMatch(/^[0-9a-f]{16}$/);
    const longer = planExperiment(settings({ train: { ...PRESETS.paper.train, epochs: 5 } }));
    const b = jobFingerprint(longer.jobs[3], longer.settings, 'abc');
    expect(fingerprintHash(b)).not.toBe(fingerprintHash(a));
    expect(describeFingerprintDifference(a, b)).toBe('epochs 30 -> 5');
    const c = jobFingerprint(job, plan.settings, 'other');
    expect(describeFingerprintDifference(a, c)).toBe('the dataset changed');
    const small = planExperiment(settings({ train: { ...PRESETS.paper.train, model: { ...PRESETS.paper.train.model, convDim: 16 } } }));
    expect(describeFingerprintDifference(a, jobFingerprint(small.jobs[3], small.settings, 'abc'))).toBe('convDim 64 -> 16');
  });
});
