/** The app's sections, in rail order. Each names what it is for, shown in its header. */
import type { IconName } from './components/common/icons';

export type SectionId = 'demo' | 'projects' | 'datasets' | 'structures' | 'train' | 'results' | 'screening' | 'reports' | 'about';

export interface Section {
  id: SectionId;
  label: string;
  icon: IconName;
  group: 'start' | 'data' | 'model' | 'apply' | 'system';
  /** One line under the view title. */
  summary: string;
}

export const SECTIONS: readonly Section[] = [
  {
    id: 'demo',
    label: 'Demo',
    icon: 'flask',
    group: 'start',
    summary: 'Screen 14 textbook crystals with the shipped model in one click, view them in 3D and read the report.',
  },
  {
    id: 'projects',
    label: 'Projects',
    icon: 'folder',
    group: 'data',
    summary: 'A project folder keeps datasets, trained models, runs, screenings and reports together.',
  },
  {
    id: 'datasets',
    label: 'Datasets',
    icon: 'table',
    group: 'data',
    summary: 'Import a folder of CIF files with its label CSV: map columns to tasks, validate, add to the project.',
  },
  {
    id: 'structures',
    label: 'Structures',
    icon: 'cube',
    group: 'data',
    summary: 'Browse the crystals of a dataset and view each one in 3D as the model sees it.',
  },
  {
    id: 'train',
    label: 'Train',
    icon: 'activity',
    group: 'model',
    summary: 'Train CGCNN (one task) or MT-CGCNN (several tasks at once) on a project dataset; watch it learn.',
  },
  {
    id: 'results',
    label: 'Results',
    icon: 'chart',
    group: 'model',
    summary: 'How well a trained model predicts crystals it never saw (its held-out test split).',
  },
  {
    id: 'screening',
    label: 'Screening',
    icon: 'filter',
    group: 'apply',
    summary: 'Predict every property for a folder of new structures with a trained or shipped model; filter, rank, export.',
  },
  {
    id: 'reports',
    label: 'Reports',
    icon: 'file',
    group: 'apply',
    summary: 'Printable reports of training runs and screenings: read them here, export them to PDF.',
  },
  {
    id: 'about',
    label: 'About / System',
    icon: 'info',
    group: 'system',
    summary: 'Application, runtime, compute backend and installed models of this installation.',
  },
];

export const DEFAULT_SECTION: SectionId = 'projects';

export function sectionById(id: string): Section | undefined {
  return SECTIONS.find((s) => s.id === id);
}
