/**
 * Layout of CGCNN's 92-long element encoding (Xie & Grossman, PRL 120, 145301 (2018), supplementary
 * Table S2; the order of txie-93/cgcnn's atom_init.json). Every block is a one-hot; a block with no bit
 * set means "no value" for that element. Mirrors LAYOUT in scripts/generate-element-features.mjs
 * (a unit test keeps the two equal). Details and bin edges: docs/element-features.md.
 */
export interface FeatureBlock {
  readonly name: string;
  /** First column of the block in the 92-long vector. */
  readonly offset: number;
  readonly size: number;
}

export const CGCNN92_LAYOUT: readonly FeatureBlock[] = Object.freeze(
  [
    { name: 'group', offset: 0, size: 19 },
    { name: 'period', offset: 19, size: 7 },
    { name: 'electronegativity', offset: 26, size: 10 },
    { name: 'covalentRadius', offset: 36, size: 10 },
    { name: 'valenceElectrons', offset: 46, size: 12 },
    { name: 'firstIonizationEnergy', offset: 58, size: 10 },
    { name: 'electronAffinity', offset: 68, size: 10 },
    { name: 'block', offset: 78, size: 4 },
    { name: 'atomicVolume', offset: 82, size: 10 },
  ].map((b) => Object.freeze(b)),
);

export const CGCNN92_DIMENSION = 92;
