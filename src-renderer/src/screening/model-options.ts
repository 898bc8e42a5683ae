/**
 * The models a screening can use, as the Screening view's picker lists them: the project's finished runs, then the
 * installed catalogue models, grouped, each with its properties' test MAE; and which one is preselected. Plain
 * TypeScript (unit tests: test/renderer/model-options.test.ts).
 */
import type { CatalogueModel, CatalogueModelRef, ProjectRun, ScreeningModelSource } from '@contract';
import { formatValue } from '../format';

export type ModelGroup = 'project' | 'shipped' | 'user';
export interface ModelTask {
  name: string;
  label: string;
  unit: string;
  testMae: number | null;
  /** A classification head (metal / non-metal): scored by ROC AUC, no MAE. */
  classifier?: { testRocAuc: number | null; testAccuracy: number | null };
}
export interface ModelOption {
  key: string;
  group: ModelGroup;
  name: string;
  /** The option's text: name, then each property with its test MAE. */
  text: string;
  tasks: ModelTask[];
  /** Ensemble members, when known. */
  members: number | null;
  isDefault: boolean;
  dataset: string | null;
  license: string | null;
  error: string | null;
  ref: { kind: 'run'; runId: string } | { kind: 'catalogue'; model: CatalogueModelRef };
}

export const GROUP_LABELS: Record<ModelGroup, string> = { project: 'This project', shipped: 'Shipped with the app', user: 'Your models' };
export const SOURCE_WORDS: Record<ScreeningModelSource, string> = { run: 'a training run of this project', shipped: 'shipped with the app', user: 'one of your models' };

/** The option's text: the name with its tags, then each property with its test MAE. */
export function optionText(name: string, tasks: ModelTask[], extra: string[]): string {
  const maes = tasks.map((t) => `${t.label} ${t.classifier ? `ROC AUC ${formatValue(t.classifier.testRocAuc)}` : t.testMae === null ? 'MAE n/a' : formatValue(t.testMae, t.unit)}`);
  return [name + (extra.length ? ` (${extra.join(', ')})` : ''), maes.join(', ')].filter(Boolean).join(' · ');
}

/** The project's finished runs first, then the installed catalogue models (shipped, then the user's). */
export function screeningModelOptions(runs: readonly ProjectRun[], catalogue: readonly CatalogueModel[]): ModelOption[] {
  const out: ModelOption[] = runs.map((r) => {
    const tasks = r.tasks.map((t, k) => ({ name: t, label: t, unit: r.units?.[k] ?? '', testMae: r.testMae?.[k] ?? null }));
    const members = r.members ?? null;
    return {
      key: `run:${r.id}`,
      group: 'project',
      name: r.name,
      text: optionText(r.name, tasks, members !== null && members > 1 ? [`K=${members}`] : []),
      tasks,
      members,
      isDefault: false,
      dataset: r.dataset,
      license: null,
      error: null,
      ref: { kind: 'run', runId: r.id },
    };
  });
  for (const m of catalogue) {
    const tasks = m.tasks.map((t) => ({ name: t.name, label: t.label, unit: t.unit, testMae: t.testMae, ...(t.classifier ? { classifier: { ...t.classifier } } : {}) }));
    const extra = [...(m.isDefault ? ['default'] : []), ...(m.ensembleSize > 1 ? [`K=${m.ensembleSize}`] : [])];
    out.push({
      key: `${m.source}:${m.name}`,
      group: m.source,
      name: m.name,
      text: m.error ? `${m.name} (cannot be used: ${m.error})` : optionText(m.name, tasks, extra),
      tasks,
      members: m.error ? null : m.ensembleSize,
      isDefault: m.isDefault,
      dataset: m.dataset.description ?? m.dataset.name,
      license: m.dataset.license,
      error: m.error,
      ref: { kind: 'catalogue', model: { source: m.source, name: m.name } },
    });
  }
  return out;
}

/** Options by group in the picker's order (project, shipped, user), empty groups left out. */
export function groupModelOptions(options: readonly ModelOption[]): { group: ModelGroup; label: string; options: ModelOption[] }[] {
  return (['project', 'shipped', 'user'] as const)
    .map((g) => ({ group: g, label: GROUP_LABELS[g], options: options.filter((o) => o.group === g) }))
    .filter((g) => g.options.length > 0);
}

/** A project run first; without one the shipped default, then any usable model ('' when there is none). */
export function preferredModelKey(usable: readonly ModelOption[]): string {
  return (usable.find((o) => o.group === 'project') ?? usable.find((o) => o.isDefault) ?? usable[0])?.key ?? '';
}

/**
 * The model to select when the usable models change: the user's pick while it is still usable, else the preferred one
 * (preferredModelKey). Until the user picks, the choice follows the lists as they arrive.
 */
export function keptModelKey(usable: readonly ModelOption[], current: string, pickedByUser: boolean): string {
  return pickedByUser && usable.some((o) => o.key === current) ? current : preferredModelKey(usable);
}

/** The ensemble size in words, as the model card shows it. */
export function ensembleWords(members: number | null): string {
  return members === null ? 'ensemble size unknown' : members > 1 ? `${members}-member ensemble` : 'single model';
}
