import type { Command } from './command';
import { infoCommand } from './commands/info';

/** Every CLI verb, in the order `mtcgcnn --help` lists them. */
export const COMMANDS: readonly Command[] = [infoCommand];
