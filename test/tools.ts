/**
 * External tools some tests need, probed once per process: Chromium (PDF printing, browser e2e), poppler's
 * pdftotext / pdftoppm (reading PDFs back) and a Slurm client (the job-array e2e test). Tests skip where a tool is
 * absent; test/global-setup.ts prints which (once) and, with CI set, fails the run instead.
 */
import { spawnSync } from 'node:child_process';
import { findChromium } from '../src-main/core/report/pdf';

function runs(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
  return r.error === undefined && r.status !== null;
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function chromiumPath(): string | null {
  try {
    return findChromium();
  } catch {
    return null;
  }
}

/** Path of the system Chromium the report printer would use, or null. */
export const CHROMIUM = chromiumPath();
/** pdftotext and pdftoppm (poppler-utils). */
export const HAVE_POPPLER = runs('pdftotext', ['-v']) && runs('pdftoppm', ['-v']);
/** Slurm's daemons and client tools (slurm-wlm) and munge: what scripts/slurm-local.sh needs to start a cluster. */
export const HAVE_SLURM = ['sbatch', 'squeue', 'scancel', 'slurmctld', 'slurmd', 'munged'].every(onPath);

export interface MissingTool {
  readonly name: string;
  readonly why: string;
}

export function missingTools(): MissingTool[] {
  const out: MissingTool[] = [];
  if (!CHROMIUM) out.push({ name: 'Chromium', why: 'PDF and browser tests; apt-get install -y chromium, or set MTCGCNN_CHROMIUM' });
  if (!HAVE_POPPLER) out.push({ name: 'pdftotext', why: 'reading PDFs back; apt-get install -y poppler-utils' });
  if (!HAVE_SLURM) out.push({ name: 'Slurm', why: 'the job-array test; apt-get install -y slurm-wlm munge' });
  return out;
}
