#!/usr/bin/env node
/**
 * Scale check of screening: a folder of 200,000 structure files, screened (a) locally by one `mtcgcnn screen` and
 * (b) as 8 Slurm shards (`mtcgcnn slurm` -> sbatch job array on this machine's one-node cluster, scripts/slurm-local.sh),
 * then joined by `mtcgcnn merge`. Reports files/s, the resident memory of every screening process sampled over its run
 * (it must stay bounded: RSS after 50k, 100k, 150k and 200k files), its peak (the kernel's, at exit), and the merge
 * time; checks that the merged shards equal the local output byte for byte.
 *
 * The files are made by perturbing the crystals of ../shared/datasets/mp-cgcnn-25k: each file is one source CIF with
 * its cell lengths strained by up to ±2 %, its angles by up to ±0.5 degrees and every atom displaced by up to
 * 0.05 Angstrom along each cell axis, written as a P1 CIF. The same seed gives the same files.
 *
 *   npm run build && node bench/screen-200k.mjs [FOLDER] [--files 200000] [--seed 1] [--shards 8] [--model DIR]
 *        [--nice 10] [--no-slurm] [--parallel 2] [--skip-local] [--keep] [--json]
 *
 * FOLDER (default <tmpdir>/mtcgcnn-screen-200k) receives the generated files; a folder generated before with the same
 * --files and --seed is reused. It is deleted at the end unless --keep. Without a usable Slurm (sbatch, root to start the
 * local cluster) or with --no-slurm, the 8 shard commands run as local processes, --parallel at a time, with the same
 * shard options. Every process runs under `nice -n 10` (--nice).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, DEFAULT_MODEL, ROOT, SHARED_DATASETS, machine, parseScreenSummary, readArgs, requireBuiltCli, runCli } from './screen-run.mjs';

const MARKER = '.generated.json';
const SLURM_LOCAL = path.join(ROOT, 'scripts', 'slurm-local.sh');
const MILESTONES = [50_000, 100_000, 150_000, 200_000];

function parseArgs(argv) {
  const opts = {
    folder: path.join(os.tmpdir(), 'mtcgcnn-screen-200k'),
    source: path.join(SHARED_DATASETS, 'mp-cgcnn-25k'),
    files: 200_000,
    seed: 1,
    shards: 8,
    model: DEFAULT_MODEL,
    nice: 10,
    slurm: true,
    parallel: 2,
    local: true,
    keep: false,
    json: false,
  };
  const usage = 'node bench/screen-200k.mjs [FOLDER] [--files 200000] [--seed 1] [--shards 8] [--model DIR] [--nice 10] [--no-slurm] [--parallel 2] [--skip-local] [--keep] [--json]';
  readArgs(argv, usage, (a, next) => {
    if (a === '--files') opts.files = Number(next());
    else if (a === '--seed') opts.seed = Number(next());
    else if (a === '--shards') opts.shards = Number(next());
    else if (a === '--source') opts.source = path.resolve(next());
    else if (a === '--model') opts.model = path.resolve(next());
    else if (a === '--nice') opts.nice = Number(next());
    else if (a === '--no-slurm') opts.slurm = false;
    else if (a === '--parallel') opts.parallel = Number(next());
    else if (a === '--skip-local') opts.local = false;
    else if (a === '--keep') opts.keep = true;
    else if (a === '--json') opts.json = true;
    else if (!a.startsWith('--')) opts.folder = path.resolve(a);
    else return false;
    return true;
  });
  for (const k of ['files', 'shards', 'parallel']) if (!Number.isInteger(opts[k]) || opts[k] < 1) throw new Error(`--${k} must be a positive integer`);
  return opts;
}

/**
 * Uniform numbers in [0, 1) for file number `file`: SHA-256 of (seed, file, block) in counter mode, 8 numbers per
 * block. A file depends only on the seed and its number.
 */
function fileRandom(seed, file) {
  let block = 0;
  let words = new Uint32Array(0);
  let at = 0;
  return () => {
    if (at === words.length) {
      const digest = createHash('sha256').update(`${seed}:${file}:${block++}`).digest();
      words = new Uint32Array(Uint8Array.from(digest).buffer);
      at = 0;
    }
    return words[at++] / 4294967296;
  };
}

const fmt = (x) => x.toFixed(8);

/**
 * One perturbed copy of a pymatgen-written P1 CIF (cell parameters as _cell_* lines, one atom_site loop with fract_x/y/z
 * columns). Returns undefined for a file of another shape (it is then not used as a source).
 */
function perturbCif(text, random) {
  const lines = text.split('\n');
  const cell = {};
  for (const line of lines) {
    const m = /^_cell_(length_a|length_b|length_c|angle_alpha|angle_beta|angle_gamma)\s+([-\d.eE+]+)/.exec(line);
    if (m) cell[m[1]] = Number(m[2]);
  }
  if (Object.keys(cell).length !== 6) return undefined;
  const u = (w) => (2 * random() - 1) * w;
  const a = cell.length_a * (1 + u(0.02));
  const b = cell.length_b * (1 + u(0.02));
  const c = cell.length_c * (1 + u(0.02));
  const [al, be, ga] = [cell.angle_alpha, cell.angle_beta, cell.angle_gamma].map((x) => x + u(0.5));
  const rad = Math.PI / 180;
  const [ca, cb, cg] = [al, be, ga].map((x) => Math.cos(x * rad));
  const volume = a * b * c * Math.sqrt(Math.max(0, 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg));
  const values = { length_a: a, length_b: b, length_c: c, angle_alpha: al, angle_beta: be, angle_gamma: ga };
  const out = [];
  /** The current loop's column names (null outside a loop), and whether its header is complete. */
  let columns = null;
  let inRows = false;
  let sites = 0;
  for (const line of lines) {
    const cm = /^_cell_(\w+)(\s+)/.exec(line);
    if (cm && cm[1] in values) {
      out.push(`_cell_${cm[1]}${cm[2]}${fmt(values[cm[1]])}`);
      continue;
    }
    if (cm && cm[1] === 'volume') {
      out.push(`_cell_volume${cm[2]}${fmt(volume)}`);
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === 'loop_') {
      columns = [];
      inRows = false;
      out.push(line);
      continue;
    }
    if (columns && !inRows && trimmed.startsWith('_')) {
      columns.push(trimmed);
      out.push(line);
      continue;
    }
    if (columns && trimmed !== '' && !trimmed.startsWith('_')) inRows = true;
    else if (trimmed.startsWith('_')) columns = null; // a tag after the rows ends the loop
    if (inRows && columns?.includes('_atom_site_fract_x') && trimmed !== '') {
      const parts = trimmed.split(/\s+/);
      const ix = columns.indexOf('_atom_site_fract_x');
      if (parts.length !== columns.length) return undefined;
      // up to 0.05 Angstrom along each axis, as a fraction of that axis
      parts[ix] = fmt(Number(parts[ix]) + u(0.05 / a));
      parts[ix + 1] = fmt(Number(parts[ix + 1]) + u(0.05 / b));
      parts[ix + 2] = fmt(Number(parts[ix + 2]) + u(0.05 / c));
      out.push(`  ${parts.join('  ')}`);
      sites++;
      continue;
    }
    out.push(line);
  }
  return sites > 0 ? out.join('\n') : undefined;
}

/** Writes `n` perturbed CIFs into `folder` (reused when a complete one with the same n and seed is there). */
function generate(opts) {
  const marker = path.join(opts.folder, MARKER);
  const want = { files: opts.files, seed: opts.seed, source: opts.source };
  if (fs.existsSync(marker)) {
    const had = JSON.parse(fs.readFileSync(marker, 'utf8'));
    if (had.files === want.files && had.seed === want.seed && had.source === want.source) return { reused: true, seconds: 0, bytes: had.bytes };
  }
  fs.rmSync(opts.folder, { recursive: true, force: true });
  fs.mkdirSync(opts.folder, { recursive: true });
  const sources = fs.readdirSync(opts.source).filter((f) => f.endsWith('.cif')).sort();
  if (sources.length === 0) throw new Error(`${opts.source} holds no CIF`);
  const cache = new Map();
  const t0 = performance.now();
  let bytes = 0;
  let written = 0;
  for (let i = 0; written < opts.files; i++) {
    const src = sources[i % sources.length];
    let text = cache.get(src);
    if (text === undefined) {
      text = fs.readFileSync(path.join(opts.source, src), 'utf8');
      if (cache.size < sources.length) cache.set(src, text);
    }
    const cif = perturbCif(text, fileRandom(opts.seed, i));
    if (cif === undefined) continue;
    const name = `${String(written).padStart(6, '0')}-${src}`;
    fs.writeFileSync(path.join(opts.folder, name), cif);
    bytes += cif.length;
    written++;
    if (written % 20_000 === 0) process.stderr.write(`  generated ${written} files\n`);
    if (i > opts.files * 4) throw new Error(`${opts.source}: too few CIFs of the expected (pymatgen P1) shape`);
  }
  fs.writeFileSync(marker, JSON.stringify({ ...want, bytes }));
  return { reused: false, seconds: (performance.now() - t0) / 1000, bytes };
}

/** RSS at the first sample at or after each milestone of files done. */
function rssAtMilestones(samples, total, milestones) {
  return milestones
    .filter((m) => m <= total)
    .map((m) => {
      const s = samples.find((x) => x.done >= m) ?? (m === total ? samples[samples.length - 1] : undefined);
      return { files: m, rssMiB: s ? Math.round(s.rssMiB) : null };
    });
}

const mib = (kib) => Math.round(kib / 1024);

function sh(cmd, args, env, timeoutMs = 60_000) {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '' };
}

/** Starts (or finds) the one-node cluster; returns its SLURM_CONF, or a reason it cannot be used. */
function slurmCluster(env) {
  if (sh('sh', ['-c', 'command -v sbatch'], env).status !== 0) return { reason: 'sbatch is not installed' };
  if (process.getuid?.() !== 0) return { reason: 'the local cluster needs root (scripts/slurm-local.sh)' };
  const started = sh('bash', [SLURM_LOCAL, 'start'], env, 120_000);
  if (started.status !== 0) return { reason: `scripts/slurm-local.sh start failed: ${started.out.trim().split('\n').pop()}` };
  const conf = /SLURM_CONF=(\S+)/.exec(sh('bash', [SLURM_LOCAL, 'env'], env).stdout)?.[1];
  return conf ? { conf, startedHere: !started.out.includes('already running') } : { reason: 'no SLURM_CONF from scripts/slurm-local.sh env' };
}

/** The screening processes of this run (their command lines name `outDir`), by shard number, with their RSS. */
function shardProcesses(outDir) {
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!cmd.includes(CLI) || !cmd.includes('screen') || !cmd.some((x) => x.startsWith(outDir))) continue;
      const shard = cmd[cmd.indexOf('--shard') + 1];
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m && shard) found.push({ shard: Number(shard.split('/')[0]), rssMiB: Number(m[1]) / 1024 });
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** The files done of a shard, from the last progress line of its log. */
function shardDone(log) {
  try {
    const text = fs.readFileSync(log, 'utf8');
    const all = [...text.matchAll(/^screen: (\d+)/gm)];
    return all.length ? Number(all[all.length - 1][1]) : 0;
  } catch {
    return 0;
  }
}

/** Runs the shards (Slurm array, or local processes) while sampling every shard's RSS against its progress. */
async function runShards(opts, work, env) {
  const outDir = path.join(work, 'shards');
  const preload = path.join(work, 'rusage-preload.cjs');
  fs.writeFileSync(preload, `process.on('exit', () => { try { require('fs').writeFileSync(process.env.BENCH_RUSAGE_FILE, JSON.stringify(process.resourceUsage())); } catch {} });\n`);
  // How a node runs the CLI: niced, reporting its own resource usage at exit (per array task).
  const wrapper = path.join(work, 'mtcgcnn-on-node.sh');
  fs.writeFileSync(
    wrapper,
    `#!/bin/sh\nBENCH_RUSAGE_FILE="${work}/rusage-shard-\${SLURM_ARRAY_TASK_ID}.json" exec nice -n ${opts.nice} ${process.execPath} --require ${preload} ${CLI} "$@"\n`,
    { mode: 0o755 },
  );
  const cpusPerTask = Math.max(1, Math.floor(os.cpus().length / Math.min(opts.shards, opts.parallel)));
  const written = sh(process.execPath, [CLI, 'slurm', opts.folder, '--model', opts.model, '--out-dir', outDir, '--shards', String(opts.shards), '--cpus-per-task', String(cpusPerTask), '--mem', '4G', '--time', '04:00:00', '--mtcgcnn', wrapper], env);
  if (written.status !== 0) throw new Error(`mtcgcnn slurm failed: ${written.out}`);
  const script = path.join(outDir, 'screen.sbatch');
  const logs = path.join(outDir, 'logs');
  const cluster = opts.slurm ? slurmCluster(env) : { reason: '--no-slurm' };
  const samples = new Map();
  const sample = () => {
    for (const p of shardProcesses(outDir)) {
      if (!samples.has(p.shard)) samples.set(p.shard, []);
      samples.get(p.shard).push({ rssMiB: p.rssMiB, done: shardDone(path.join(logs, `shard-${p.shard}.log`)) });
    }
  };
  const timer = setInterval(sample, 2000);
  const t0 = performance.now();
  let how;
  try {
    if (cluster.conf) {
      how = `Slurm job array on the local one-node cluster (scripts/slurm-local.sh), --cpus-per-task ${cpusPerTask}, ${os.cpus().length} CPUs: ${Math.min(opts.shards, Math.floor(os.cpus().length / cpusPerTask))} tasks at a time`;
      const slurmEnv = { ...env, SLURM_CONF: cluster.conf };
      const r = await new Promise((resolve) => {
        const c = spawn('sbatch', ['--parsable', '--wait', script], { env: slurmEnv, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        c.stdout.on('data', (b) => (out += b));
        c.stderr.on('data', (b) => (out += b));
        c.on('exit', (code) => resolve({ status: code, out }));
      });
      if (cluster.startedHere) sh('bash', [SLURM_LOCAL, 'stop'], env, 60_000);
      if (r.status !== 0) throw new Error(`sbatch --wait ${script} failed: ${r.out}`);
    } else {
      how = `${opts.shards} local processes, ${opts.parallel} at a time (Slurm not used: ${cluster.reason}), the script's command with SLURM_ARRAY_TASK_ID set`;
      const queue = Array.from({ length: opts.shards }, (_, i) => i + 1);
      const runOne = (i) =>
        new Promise((resolve, reject) => {
          fs.mkdirSync(logs, { recursive: true });
          const log = fs.openSync(path.join(logs, `shard-${i}.log`), 'w');
          const c = spawn('bash', [script], { env: { ...env, SLURM_ARRAY_TASK_ID: String(i), SLURM_CPUS_PER_TASK: String(cpusPerTask) }, stdio: ['ignore', log, log] });
          c.on('exit', (code) => {
            fs.closeSync(log);
            if (code === 0) resolve();
            else reject(new Error(`shard ${i} exited with ${code}`));
          });
        });
      await Promise.all(
        Array.from({ length: opts.parallel }, async () => {
          while (queue.length) await runOne(queue.shift());
        }),
      );
    }
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - t0) / 1000;
  const shards = [];
  for (let i = 1; i <= opts.shards; i++) {
    const log = fs.readFileSync(path.join(logs, `shard-${i}.log`), 'utf8');
    const summary = parseScreenSummary(log);
    const usageFile = path.join(work, `rusage-shard-${i}.json`);
    const usage = fs.existsSync(usageFile) ? JSON.parse(fs.readFileSync(usageFile, 'utf8')) : null;
    const s = samples.get(i) ?? [];
    const files = summary?.files ?? 0;
    shards.push({
      shard: i,
      files,
      filesPerSecond: summary?.filesPerSecond ?? null,
      workerThreads: summary?.workerThreads ?? null,
      peakRssMiB: usage ? mib(usage.maxRSS) : null,
      sampledRssMiB: rssAtMilestones(s, files, [Math.round(files / 4), Math.round(files / 2), files]),
      samples: s.length,
    });
  }
  return { how, seconds, outDir, shards };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  requireBuiltCli();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-screen-200k-'));
  const env = { ...process.env, MTCGCNN_HOME: path.join(work, 'home'), NO_COLOR: '1' };
  const at = machine();
  const result = { files: opts.files, seed: opts.seed, folder: opts.folder, model: opts.model, machine: at, nice: opts.nice };
  try {
    process.stderr.write(`generating ${opts.files} perturbed CIFs in ${opts.folder} ...\n`);
    const gen = generate(opts);
    result.generate = { reused: gen.reused, seconds: Number(gen.seconds.toFixed(1)), megabytes: Math.round(gen.bytes / 1e6) };

    const local = path.join(work, 'local.csv');
    if (opts.local) {
      process.stderr.write('screening locally (one process) ...\n');
      const run = await runCli(['screen', opts.folder, '--model', opts.model, '--out', local], { env, work, prefix: ['nice', '-n', String(opts.nice)], sampleMs: 2000, echoProgress: false });
      if (run.code !== 0 && run.code !== 3) throw new Error(`local screen exited with ${run.code}: ${run.stderr.trim().split('\n').pop()}`);
      const summary = parseScreenSummary(run.stdout);
      result.local = {
        wallSeconds: Number(run.seconds.toFixed(1)),
        filesPerSecond: Number((opts.files / run.seconds).toFixed(1)),
        rows: summary?.rows ?? null,
        workerThreads: summary?.workerThreads ?? null,
        where: summary?.where ?? null,
        peakRssMiB: run.usage ? mib(run.usage.maxRSS) : null,
        cpuSeconds: run.usage ? Math.round((run.usage.userCPUTime + run.usage.systemCPUTime) / 1e6) : null,
        rssAt: rssAtMilestones(run.samples, opts.files, MILESTONES.filter((m) => m < opts.files).concat(opts.files)),
        loadAverageAtEnd: machine().loadAverage,
      };
      process.stderr.write(`  ${JSON.stringify(result.local)}\n`);
    }

    process.stderr.write(`screening as ${opts.shards} shards ...\n`);
    const sh8 = await runShards(opts, work, env);
    result.shards = { how: sh8.how, wallSeconds: Number(sh8.seconds.toFixed(1)), filesPerSecond: Number((opts.files / sh8.seconds).toFixed(1)), perShard: sh8.shards, loadAverageAtEnd: machine().loadAverage };
    process.stderr.write(`  ${JSON.stringify(result.shards)}\n`);

    const merged = path.join(sh8.outDir, 'all.csv');
    const files = Array.from({ length: opts.shards }, (_, i) => path.join(sh8.outDir, `shard-${i + 1}.csv`));
    const t0 = performance.now();
    const m = await runCli(['merge', ...files, '--out', merged], { env, work, prefix: ['nice', '-n', String(opts.nice)], echoProgress: false });
    if (m.code !== 0) throw new Error(`merge failed: ${m.stderr}`);
    const mergeSeconds = (performance.now() - t0) / 1000;
    const same = opts.local ? fs.readFileSync(merged).equals(fs.readFileSync(local)) : null;
    result.merge = { seconds: Number(mergeSeconds.toFixed(1)), peakRssMiB: m.usage ? mib(m.usage.maxRSS) : null, megabytes: Math.round(fs.statSync(merged).size / 1e6), equalsLocal: same };
    if (same === false) throw new Error('the merged shards differ from the local output');

    if (opts.json) console.log(JSON.stringify(result));
    else {
      console.log(`scale check: ${opts.files} perturbed CIFs (seed ${opts.seed}, ${result.generate.megabytes} MB${gen.reused ? ', reused' : `, generated in ${result.generate.seconds} s`}), model ${path.basename(opts.model)}`);
      console.log(`machine: ${at.cpus} logical CPUs (${at.cpu}), Node ${at.node}, load average at start ${at.loadAverage.join(' ')}; every process under nice -n ${opts.nice}`);
      if (result.local) {
        const l = result.local;
        console.log(`(a) local, one process: ${l.filesPerSecond} files/s (${l.wallSeconds} s, ${l.workerThreads} worker threads, ${l.where}), peak RSS ${l.peakRssMiB} MiB, CPU ${l.cpuSeconds} s`);
        console.log(`    RSS after ${l.rssAt.map((x) => `${x.files} files: ${x.rssMiB} MiB`).join('; ')}`);
      }
      const s = result.shards;
      console.log(`(b) ${opts.shards} shards: ${s.filesPerSecond} files/s over all (${s.wallSeconds} s), ${s.how}`);
      for (const p of s.perShard) {
        console.log(`    shard ${p.shard}: ${p.files} files, ${p.filesPerSecond} files/s, peak RSS ${p.peakRssMiB} MiB; RSS after ${p.sampledRssMiB.map((x) => `${x.files}: ${x.rssMiB ?? '?'} MiB`).join(', ')}`);
      }
      console.log(`merge: ${result.merge.seconds} s for ${result.merge.megabytes} MB, peak RSS ${result.merge.peakRssMiB} MiB; equals the local output byte for byte: ${result.merge.equalsLocal ?? 'not checked'}`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    if (!opts.keep) fs.rmSync(opts.folder, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench/screen-200k: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
