/**
 * `--workers K` of the verbs that spread their work over worker threads (screen, evaluate): the help line and the
 * parsed value. The default itself is core's (defaultThreadCount in core/parallel/worker-pool.ts, and what each verb
 * derives from it); this module only says it.
 */
import { defaultThreadCount } from '../core/parallel/worker-pool';
import { numberOption, stringOption, type OptionSpec, type ParsedArgs } from './command';

/** Largest --workers accepted. */
const MAX_WORKERS = 1024;

/** The help line of --workers (`what`: what the workers do, e.g. "featurize and predict"). */
export function workersOptionSpec(what: string): OptionSpec {
  return {
    type: 'string',
    valueName: 'K',
    description: `worker threads that ${what}, each with its own compute engine (0: all on the main thread)`,
    default: `all logical cores, ${defaultThreadCount()} here`,
  };
}

/** --workers as given (undefined: left out, the verb's default applies); `name` for an older alias of the option. */
export function workersOption(args: ParsedArgs, name = 'workers'): number | undefined {
  if (stringOption(args, name) === undefined) return undefined;
  return numberOption(args, name, 0, { min: 0, max: MAX_WORKERS, integer: true });
}
