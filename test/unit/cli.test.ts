import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/index';
import { COMMANDS } from '../../src-main/cli/registry';
import pkg from '../../package.json';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('mtcgcnn CLI contract', () => {
  it('prints the package version', async () => {
    expect(await run('--version')).toEqual({ code: 0, out: pkg.version, err: '' });
  });

  it('lists every command in --help', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    for (const c of COMMANDS) expect(out).toContain(c.name);
  });

  it('fails with exit 2 and one line for an unknown command', async () => {
    const r = await run('frobnicate');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toContain('unknown command "frobnicate"');
  });

  it.each(COMMANDS.map((c) => c.name))('%s --help prints usage and exits 0', async (name) => {
    const r = await run(name, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Usage: mtcgcnn ${name}`));
    expect(r.out).toContain('--help');
  });

  it.each(COMMANDS.map((c) => c.name))('%s rejects an unknown option with exit 2 and one line', async (name) => {
    const r = await run(name, '--no-such-option');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(new RegExp(`^mtcgcnn ${name}: error: `));
  });

  it('info reports the compute backend as JSON', async () => {
    const r = await run('info', '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(info.backend);
    expect(info.version).toBe(pkg.version);
    expect(info.threads).toBeGreaterThanOrEqual(1);
  });
});

describe('README command lines', () => {
  const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const lines = readme
    .split('\n')
    .filter((l) => l.startsWith('mtcgcnn '))
    .map((l) => l.replace(/\s+#.*$/, ''));

  it('keeps the two main commands at the top', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1];
    expect(firstBlock.trim().split('\n').map((l) => l.split('#')[0].trim())).toEqual(['npm ci && npm start', 'npm test']);
    expect(readme.indexOf('## Two commands on a fresh machine')).toBeLessThan(readme.indexOf('## Command line'));
  });

  it('shows experiment and the experiment and screening reports', () => {
    expect(lines).toContain('mtcgcnn experiment DATASET_DIR --preset paper|tiny --out EXP_DIR');
    expect(lines).toContain('mtcgcnn report EXP_DIR [--pdf OUT.pdf]');
    expect(lines.some((l) => l.startsWith('mtcgcnn report results.csv --pdf OUT.pdf'))).toBe(true);
  });

  it('uses only verbs and options the CLI has', () => {
    expect(lines.length).toBeGreaterThan(15);
    for (const l of lines) {
      const verb = l.split(/\s+/)[1];
      if (verb === '--version' || verb === '--help') continue;
      const cmd = COMMANDS.find((c) => c.name === verb);
      expect(cmd, l).toBeDefined();
      for (const flag of l.match(/(?<=\s|\[)--[a-z][a-z-]*/g) ?? []) expect(Object.keys(cmd!.options), `${l}: ${flag}`).toContain(flag.slice(2));
    }
  });
});
