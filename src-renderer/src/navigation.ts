/** The app's sections, in rail order. Each names what it is for, shown in its header and placeholder. */
import type { IconName } from './components/common/icons';

export type SectionId = 'projects' | 'datasets' | 'structures' | 'train' | 'results' | 'screening' | 'reports' | 'about';

export interface Section {
  id: SectionId;
  label: string;
  icon: IconName;
  group: 'data' | 'model' | 'apply' | 'system';
  /** One line under the view title. */
  summary: string;
  /** For sections not built yet: what will come there. */
  planned?: string[];
}

export const SECTIONS: readonly Section[] = [
  {
    id: 'projects',
    label: 'Projects',
    icon: 'folder',
    group: 'data',
    summary: 'A project keeps datasets, trained models, screening runs and reports together.',
    planned: [
      'Create, open and archive projects in the projects folder',
      'Recent projects with their datasets, models and last activity',
      'Project settings: default tasks, units and random seed',
    ],
  },
  {
    id: 'datasets',
    label: 'Datasets',
    icon: 'table',
    group: 'data',
    summary: 'Scan a CGCNN-layout folder (ID.cif files and id_prop.csv) before training on it.',
  },
  {
    id: 'structures',
    label: 'Structures',
    icon: 'cube',
    group: 'data',
    summary: 'Browse and inspect the crystal structures of a dataset.',
    planned: [
      '3D unit-cell viewer with bonds, supercells and element colours',
      'Lattice parameters, composition, density and space group',
      'Neighbour lists and crystal-graph statistics per structure',
    ],
  },
  {
    id: 'train',
    label: 'Train',
    icon: 'activity',
    group: 'model',
    summary: 'Train a multi-task crystal graph network (MT-CGCNN) on a dataset.',
    planned: [
      'Task selection, loss weights and train/validation/test split',
      'Hyperparameters: convolution layers, feature sizes, learning rate, epochs',
      'Live loss and per-task validation MAE curves, with cancel and resume',
    ],
  },
  {
    id: 'results',
    label: 'Results',
    icon: 'chart',
    group: 'model',
    summary: 'Evaluate trained models on their held-out test sets.',
    planned: [
      'Parity plots and error histograms per task',
      'MAE, RMSE, R² and classification metrics per task',
      'Compare runs side by side',
    ],
  },
  {
    id: 'screening',
    label: 'Screening',
    icon: 'filter',
    group: 'apply',
    summary: 'Predict properties for new structures and rank candidates.',
    planned: [
      'Predict all tasks for a folder of CIF files with a trained model',
      'Filter and rank candidates by predicted properties',
      'Export the ranked list as CSV',
    ],
  },
  {
    id: 'reports',
    label: 'Reports',
    icon: 'file',
    group: 'apply',
    summary: 'Write PDF reports of datasets, training runs and screening results.',
    planned: ['Report templates for a training run and a screening campaign', 'Charts and tables as vector graphics', 'Export to PDF'],
  },
  {
    id: 'about',
    label: 'About / System',
    icon: 'info',
    group: 'system',
    summary: 'Application, runtime and compute backend of this installation.',
  },
];

export const DEFAULT_SECTION: SectionId = 'datasets';

export function sectionById(id: string): Section | undefined {
  return SECTIONS.find((s) => s.id === id);
}
