/**
 * Where the window opens: on the demo at first run (no project was ever opened: the recent list is empty), on
 * Projects afterwards. Electron's main loads the renderer at `#/<section>`; the e2e harness does the same.
 */
import type { RecentProject } from '../../src-shared/contract';
import { listRecent } from './projects/recent';

export type StartSection = 'demo' | 'projects';

export function startSectionFor(recent: readonly RecentProject[]): StartSection {
  return recent.length === 0 ? 'demo' : 'projects';
}

/** The section to open on now (Projects when the recent list cannot be read: it is only a convenience). */
export async function startSection(): Promise<StartSection> {
  try {
    return startSectionFor(await listRecent());
  } catch {
    return 'projects';
  }
}
