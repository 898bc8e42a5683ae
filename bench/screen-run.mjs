/**
 * What the screening benchmarks share (bench/screen.mjs, bench/screen-scaling.mjs, bench/screen-200k.mjs): the built
 * CLI run as a child process, with its wall time, its own resource usage at exit (worker threads share the process,
 * so they are included) and, optionally, its resident memory sampled during the run against the files done so far.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'out', 'main', 'cli.js');
export const SHARED_DATASETS = path.resolve(ROOT, '..', 'shared', 'datasets');
/** The shipped default model (`mtcgcnn screen` without --model). */
export const DEFAULT_MODEL = path.join(ROOT, 'resources', 'models', 'mtcgcnn-e4-mp25k');

/**
 * Reads a benchmark's arguments: `take(arg, value)` handles one (calling value() for the next argument) and returns
 * false for an unknown one; --help prints `usage` and exits.
 */
export function readArgs(argv, usage, take) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(usage);
      process.exit(0);
    }
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (!take(arg, value)) throw new Error(`unknown argument ${arg}`);
  }
}

export function requireBuiltCli() {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
}

/** Structure files directly in `dir`, by the names `mtcgcnn screen` reads. */
export function countStructureFiles(dir) {
  const re = /\.(cif|mcif|vasp|poscar|xyz|extxyz)$/i;
  return fs.readdirSync(dir).filter((n) => !n.startsWith('.') && (re.test(n) || /^(POSCAR|CONTCAR)/.test(n))).length;
}

/** The machine, as every benchmark reports it. */
export function machine() {
  return { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))), node: process.version };
}

/** The CLI's closing line: "screened N files (R rows) in T, X files/s, K worker threads (featurize + predict) -> out". */
export function parseScreenSummary(text) {
  const m = /screened (\d+) files \((\d+) rows\) in ([^,]+), ([\d.]+) files\/s, (?:(\d+) worker threads(?: \(([^)]*)\))?|in-process)/.exec(text);
  if (!m) return null;
  return { files: Number(m[1]), rows: Number(m[2]), filesPerSecond: Number(m[4]), workerThreads: m[5] ? Number(m[5]) : 0, where: m[6] ?? 'in-process' };
}

function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `node [--require rusage] out/main/cli.js ...args` (or `prefix... node ...` e.g. ['nice', '-n', '10']).
 * `sampleMs`: sample the child's RSS (Linux /proc) every so many ms, with the files done per its progress lines.
 * Resolves { code, seconds, stdout, stderr, usage (process.resourceUsage() at exit, maxRSS in KiB), samples }.
 */
export function runCli(args, { env = process.env, work, prefix = [], sampleMs = 0, echoProgress = process.stderr.isTTY } = {}) {
  const usageFile = path.join(work, `rusage-${process.pid}-${Date.now()}.json`);
  const preload = path.join(work, 'rusage-preload.cjs');
  fs.writeFileSync(
    preload,
    `process.on('exit', () => { try { require('fs').writeFileSync(process.env.BENCH_RUSAGE_FILE, JSON.stringify(process.resourceUsage())); } catch {} });\n`,
  );
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const argv = [process.execPath, '--require', preload, CLI, ...args];
    const child = spawn(prefix.length ? prefix[0] : argv[0], prefix.length ? [...prefix.slice(1), ...argv] : argv.slice(1), {
      env: { ...env, BENCH_RUSAGE_FILE: usageFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let done = 0;
    const samples = [];
    // With a prefix (nice), the node process is the prefix's exec'd image: same pid.
    const timer = sampleMs > 0 ? setInterval(() => {
      const rss = rssMiB(child.pid);
      if (rss !== undefined) samples.push({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, rssMiB: rss, done });
    }, sampleMs) : undefined;
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => {
      stderr += b;
      const lines = String(b).trim().split('\n');
      for (const line of lines) {
        const m = /^screen: (\d+)/.exec(line);
        if (m) done = Number(m[1]);
      }
      const last = lines.pop();
      if (last && echoProgress) process.stderr.write(`\r\x1b[2K${last.slice(0, 150)}`);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (timer) clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (echoProgress) process.stderr.write('\r\x1b[2K');
      let usage = null;
      try {
        usage = JSON.parse(fs.readFileSync(usageFile, 'utf8'));
        fs.rmSync(usageFile, { force: true });
      } catch {
        // the child died before its exit handler ran
      }
      resolve({ code, seconds, stdout, stderr, usage, samples });
    });
  });
}
