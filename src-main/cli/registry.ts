import type { Command } from './command';
import { infoCommand } from './commands/info';
import { featurizeCommand } from './commands/featurize';
import { trainCommand } from './commands/train';
import { evaluateCommand } from './commands/evaluate';
import { predictCommand } from './commands/predict';
import { reportCommand } from './commands/report';
import { createScreenCommand } from './commands/screen';
import { mergeCommand } from './commands/merge';
import { slurmCommand } from './commands/slurm';
import { loadScreeningModel } from '../services/screening-model';
import { experimentCommand } from './commands/experiment';
import { modelsCommand } from './commands/models';
import { studioCommand } from './commands/studio';

/** Every CLI verb, in the order `mtcgcnn --help` lists them. */
export const COMMANDS: readonly Command[] = [
  infoCommand,
  featurizeCommand,
  trainCommand,
  evaluateCommand,
  predictCommand,
  reportCommand,
  createScreenCommand(loadScreeningModel),
  mergeCommand,
  slurmCommand,
  experimentCommand,
  modelsCommand,
  studioCommand,
];
