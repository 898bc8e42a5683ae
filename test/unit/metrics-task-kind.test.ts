import { describe, expect, it } from 'vitest';
import { inferUnit, isBandGapTask } from '../../src-shared/task-kind';

describe('isBandGapTask', () => {
  it.each(['band_gap', 'band_gap_eV', 'bandgap', 'BandGap', 'Band_Gap_EV', 'gap_eV', 'Eg', 'EG', 'eg_opt', 'pbe_band_gap', 'band-gap'])(
    'recognises %s',
    (name) => {
      expect(isBandGapTask(name)).toBe(true);
    },
  );

  it.each(['formation_energy_per_atom_eV', 'efermi_eV', 'volume_A3', 'energy', 'degeneracy', 'legacy_id', 'gaps', 'band_index', ''])(
    'rejects %s',
    (name) => {
      expect(isBandGapTask(name)).toBe(false);
    },
  );

  it('rejects a band gap column whose unit is not eV', () => {
    expect(isBandGapTask('band_gap', 'eV')).toBe(true);
    expect(isBandGapTask('band_gap', '')).toBe(true);
    expect(isBandGapTask('band_gap', 'GPa')).toBe(false);
    expect(isBandGapTask('band_gap_meV')).toBe(false);
    expect(isBandGapTask('gap_A')).toBe(false);
  });
});

describe('inferUnit', () => {
  it.each([
    ['formation_energy_per_atom_eV', 'eV/atom'],
    ['energy_eV_atom', 'eV/atom'],
    ['energy_eV_per_atom', 'eV/atom'],
    ['band_gap_eV', 'eV'],
    ['efermi_eV', 'eV'],
    ['volume_A3', 'Å^3'],
    ['volume_per_atom_A3', 'Å^3'],
    ['bulk_modulus_GPa', 'GPa'],
    ['density_g_cm3', 'g/cm^3'],
    ['Tc_K', 'K'],
    ['lattice_A', 'Å'],
    ['lattice_a', ''],
    ['band_gap', ''],
    ['formation_energy_per_atom', ''],
    ['eV', ''],
    ['', ''],
  ])('%s -> %s', (name, unit) => {
    expect(inferUnit(name)).toBe(unit);
  });
});
