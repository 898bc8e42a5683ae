/**
 * Applicability domain check: a crystal is out of the model's domain when it contains an element the
 * training set never had, or its atom count per cell lies outside the training range.
 */
import { atomicNumber, elementSymbol } from '../crystal/elements';
import type { ScreeningDomain } from './model';

export interface DomainVerdict {
  readonly outOfDomain: boolean;
  /** Human-readable reasons (empty when in domain). */
  readonly reasons: string[];
}

export class DomainChecker {
  private readonly known: Set<number> | undefined;
  private readonly minAtoms: number;
  private readonly maxAtoms: number;

  constructor(domain: ScreeningDomain) {
    if (domain.elements.length > 0) {
      this.known = new Set<number>();
      for (const el of domain.elements) {
        const z = typeof el === 'number' ? el : atomicNumber(el);
        if (z === undefined || !Number.isInteger(z) || z < 1 || z > 118) throw new RangeError(`domain lists an unknown element ${String(el)}`);
        this.known.add(z);
      }
    }
    this.minAtoms = Number.isFinite(domain.minAtoms) ? domain.minAtoms : 0;
    this.maxAtoms = Number.isFinite(domain.maxAtoms) ? domain.maxAtoms : Infinity;
  }

  /** `atomicNumbers`: the crystal's atomic numbers (any order, repeats allowed). */
  check(atomicNumbers: ArrayLike<number>, numAtoms = atomicNumbers.length): DomainVerdict {
    const reasons: string[] = [];
    if (this.known) {
      const unseen = new Set<number>();
      for (let i = 0; i < atomicNumbers.length; i++) if (!this.known.has(atomicNumbers[i])) unseen.add(atomicNumbers[i]);
      if (unseen.size > 0) reasons.push(`elements not in the training set: ${[...unseen].sort((a, b) => a - b).map(elementSymbol).join(' ')}`);
    }
    if (numAtoms < this.minAtoms) reasons.push(`${numAtoms} atoms, fewer than the training minimum ${this.minAtoms}`);
    if (numAtoms > this.maxAtoms) reasons.push(`${numAtoms} atoms, more than the training maximum ${this.maxAtoms}`);
    return { outOfDomain: reasons.length > 0, reasons };
  }
}
