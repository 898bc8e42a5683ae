#!/usr/bin/env node
/**
 * Benchmark of `mtcgcnn screen` end to end: the built CLI (out/main/cli.js) screens a whole folder of CIFs with a
 * trained model, as a user runs it; files/s is measured from process start to exit (startup, model loading,
 * reading, graph building, prediction, CSV writing), peak RSS from the child's own process.resourceUsage()
 * (worker threads share the process, so they are included). Target: 500 CIFs/s.
 *
 *   npm run build && node bench/screen.mjs [--model MODEL_DIR | --tiny] [--dir CIF_DIR] [--threads N] [--batch-size N] [--json]
 *
 * --dir defaults to ../shared/datasets/mp-cgcnn-25k (25,710 CIFs). --model defaults to the shipped default model,
 * resources/models/mtcgcnn-e4-mp25k (the 3-member MT-CGCNN E4 ensemble `mtcgcnn screen` uses without --model).
 * --tiny trains a tiny model on ../shared/datasets/mt-cgcnn-sample first (2 epochs, 16 atom features,
 * 1 convolution), whose prediction is far cheaper: a figure for the rest of the pipeline.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'out', 'main', 'cli.js');
const SHARED = path.resolve(ROOT, '..', 'shared', 'datasets');
const TARGET_FILES_PER_SECOND = 500;
const DEFAULT_MODEL = path.join(ROOT, 'resources', 'models', 'mtcgcnn-e4-mp25k');

function parseArgs(argv) {
  const opts = { dir: path.join(SHARED, 'mp-cgcnn-25k'), model: DEFAULT_MODEL, tiny: false, threads: undefined, batchSize: undefined, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--dir') opts.dir = path.resolve(next());
    else if (a === '--model') opts.model = path.resolve(next());
    else if (a === '--tiny') opts.tiny = true;
    else if (a === '--threads') opts.threads = next();
    else if (a === '--batch-size') opts.batchSize = next();
    else if (a === '--json') opts.json = true;
    else if (a === '--help' || a === '-h') {
      console.log('node bench/screen.mjs [--model MODEL_DIR | --tiny] [--dir CIF_DIR] [--threads N] [--batch-size N] [--json]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

function countStructureFiles(dir) {
  const re = /\.(cif|mcif|vasp|poscar|xyz|extxyz)$/i;
  return fs.readdirSync(dir).filter((n) => !n.startsWith('.') && (re.test(n) || /^(POSCAR|CONTCAR)/.test(n))).length;
}

function trainTinyModel(work, env) {
  const out = path.join(work, 'tiny-model');
  const sample = path.join(SHARED, 'mt-cgcnn-sample');
  const args = [CLI, 'train', sample, '--epochs', '2', '--atom-fea', '16', '--conv', '1', '--hidden', '32', '--out', out, '--quiet'];
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`training the tiny model failed: ${r.stderr.trim().split('\n').pop()}`);
  return out;
}

/** Runs the CLI in a child that reports its own resource usage at exit. */
function runScreen(args, env, work) {
  const usageFile = path.join(work, 'rusage.json');
  const preload = path.join(work, 'rusage-preload.cjs');
  fs.writeFileSync(
    preload,
    `process.on('exit', () => { try { require('fs').writeFileSync(process.env.BENCH_RUSAGE_FILE, JSON.stringify(process.resourceUsage())); } catch {} });\n`,
  );
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--require', preload, CLI, ...args], {
      env: { ...env, BENCH_RUSAGE_FILE: usageFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => {
      stderr += b;
      const line = String(b).trim().split('\n').pop();
      if (line && process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line.slice(0, 150)}`);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
      let usage = null;
      try {
        usage = JSON.parse(fs.readFileSync(usageFile, 'utf8'));
      } catch {
        // the child died before its exit handler ran
      }
      resolve({ code, seconds, stdout, stderr, usage });
    });
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  if (!fs.existsSync(opts.dir)) throw new Error(`${opts.dir} does not exist`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-screen-'));
  const env = { ...process.env, MTCGCNN_HOME: path.join(work, 'home'), NO_COLOR: '1' };
  try {
    let model = opts.model;
    let modelNote = model === DEFAULT_MODEL ? 'the shipped default model' : 'given';
    if (opts.tiny) {
      process.stderr.write('no --model: training a tiny model on mt-cgcnn-sample ...\n');
      model = trainTinyModel(work, env);
      modelNote = 'tiny model trained on mt-cgcnn-sample (16 atom features, 1 convolution, hidden 32)';
    }
    const modelJson = JSON.parse(fs.readFileSync(path.join(model, 'model.json'), 'utf8'));
    const arch = modelJson.architecture;
    const files = countStructureFiles(opts.dir);
    const out = path.join(work, 'results.csv');
    const args = ['screen', opts.dir, '--model', model, '--out', out, '--force'];
    if (opts.threads !== undefined) args.push('--threads', opts.threads);
    if (opts.batchSize !== undefined) args.push('--batch-size', opts.batchSize);
    process.stderr.write(`screening ${files} files in ${opts.dir} ...\n`);
    const run = await runScreen(args, env, work);
    if (run.code !== 0 && run.code !== 3) throw new Error(`mtcgcnn screen exited with ${run.code}: ${run.stderr.trim().split('\n').pop()}`);
    const summary = /screened (\d+) files \((\d+) rows\) in ([^,]+), ([\d.]+) files\/s, (\d+) worker threads/.exec(run.stdout + run.stderr);
    const failed = /(\d+) files failed/.exec(run.stderr);
    const rate = files / run.seconds;
    const result = {
      files,
      rows: summary ? Number(summary[2]) : null,
      failed: failed ? Number(failed[1]) : 0,
      wallSeconds: Number(run.seconds.toFixed(2)),
      filesPerSecond: Number(rate.toFixed(1)),
      cliFilesPerSecond: summary ? Number(summary[4]) : null,
      workerThreads: summary ? Number(summary[5]) : null,
      peakRssMiB: run.usage ? Number((run.usage.maxRSS / 1024).toFixed(0)) : null,
      target: TARGET_FILES_PER_SECOND,
      meetsTarget: rate >= TARGET_FILES_PER_SECOND,
      model: { dir: model, note: modelNote, tasks: modelJson.tasks.map((t) => t.name), members: modelJson.members.length, atomFeatures: arch.convDim, convLayers: arch.numConv, hidden: arch.hiddenDim },
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))), node: process.version },
    };
    if (opts.json) {
      console.log(JSON.stringify(result));
    } else {
      console.log(`mtcgcnn screen: ${result.files} files (${result.rows} rows, ${result.failed} failed) in ${result.wallSeconds} s end to end`);
      console.log(`  throughput:  ${result.filesPerSecond} files/s end to end (CLI's own figure, after startup: ${result.cliFilesPerSecond} files/s); target ${TARGET_FILES_PER_SECOND} files/s: ${result.meetsTarget ? 'met' : 'NOT met'}`);
      console.log(`  peak RSS:    ${result.peakRssMiB} MiB (main process and its worker threads)`);
      console.log(`  model:       ${result.model.tasks.join(', ')}; ${result.model.members} member(s); ${arch.convDim}/${arch.numConv}/${arch.hiddenDim} (${modelNote})`);
      console.log(`  machine:     ${result.machine.cpus} logical CPUs (${result.machine.cpu}), load ${result.machine.loadAverage.join(' ')}, ${result.workerThreads} featurization worker thread(s), Node ${result.machine.node}`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench/screen: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
