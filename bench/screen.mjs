#!/usr/bin/env node
/**
 * Benchmark of `mtcgcnn screen` end to end: the built CLI (out/main/cli.js) screens a whole folder of CIFs with a
 * trained model, as a user runs it; files/s is measured from process start to exit (startup, model loading,
 * reading, graph building, prediction, CSV writing), peak RSS from the child's own process.resourceUsage()
 * (worker threads share the process, so they are included). Target: 500 CIFs/s.
 *
 *   npm run build && node bench/screen.mjs [--model MODEL_DIR | --tiny] [--dir CIF_DIR] [--workers K] [--batch-size N] [--json]
 *
 * --dir defaults to ../shared/datasets/mp-cgcnn-25k (25,710 CIFs). --model defaults to the shipped default model,
 * resources/models/mtcgcnn-e4-mp25k (the 3-member MT-CGCNN E4 ensemble `mtcgcnn screen` uses without --model).
 * --tiny trains a tiny model on ../shared/datasets/mt-cgcnn-sample first (2 epochs, 16 atom features,
 * 1 convolution), whose prediction is far cheaper: a figure for the rest of the pipeline.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, DEFAULT_MODEL, SHARED_DATASETS as SHARED, countStructureFiles, machine, parseScreenSummary, readArgs, requireBuiltCli, runCli } from './screen-run.mjs';

const TARGET_FILES_PER_SECOND = 500;

function parseArgs(argv) {
  const opts = { dir: path.join(SHARED, 'mp-cgcnn-25k'), model: DEFAULT_MODEL, tiny: false, workers: undefined, batchSize: undefined, json: false };
  readArgs(argv, 'node bench/screen.mjs [--model MODEL_DIR | --tiny] [--dir CIF_DIR] [--workers K] [--batch-size N] [--json]', (a, next) => {
    if (a === '--dir') opts.dir = path.resolve(next());
    else if (a === '--model') opts.model = path.resolve(next());
    else if (a === '--tiny') opts.tiny = true;
    else if (a === '--workers') opts.workers = next();
    else if (a === '--batch-size') opts.batchSize = next();
    else if (a === '--json') opts.json = true;
    else return false;
    return true;
  });
  return opts;
}

function trainTinyModel(work, env) {
  const out = path.join(work, 'tiny-model');
  const sample = path.join(SHARED, 'mt-cgcnn-sample');
  const args = [CLI, 'train', sample, '--epochs', '2', '--atom-fea', '16', '--conv', '1', '--hidden', '32', '--out', out, '--quiet'];
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`training the tiny model failed: ${r.stderr.trim().split('\n').pop()}`);
  return out;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  requireBuiltCli();
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
    if (opts.workers !== undefined) args.push('--workers', opts.workers);
    if (opts.batchSize !== undefined) args.push('--batch-size', opts.batchSize);
    process.stderr.write(`screening ${files} files in ${opts.dir} ...\n`);
    const run = await runCli(args, { env, work });
    if (run.code !== 0 && run.code !== 3) throw new Error(`mtcgcnn screen exited with ${run.code}: ${run.stderr.trim().split('\n').pop()}`);
    const summary = parseScreenSummary(run.stdout + run.stderr);
    const failed = /(\d+) files failed/.exec(run.stderr);
    const rate = files / run.seconds;
    const result = {
      files,
      rows: summary ? summary.rows : null,
      failed: failed ? Number(failed[1]) : 0,
      wallSeconds: Number(run.seconds.toFixed(2)),
      filesPerSecond: Number(rate.toFixed(1)),
      cliFilesPerSecond: summary ? summary.filesPerSecond : null,
      workerThreads: summary ? summary.workerThreads : null,
      workersDo: summary ? summary.where : null,
      peakRssMiB: run.usage ? Number((run.usage.maxRSS / 1024).toFixed(0)) : null,
      target: TARGET_FILES_PER_SECOND,
      meetsTarget: rate >= TARGET_FILES_PER_SECOND,
      model: { dir: model, note: modelNote, tasks: modelJson.tasks.map((t) => t.name), members: modelJson.members.length, atomFeatures: arch.convDim, convLayers: arch.numConv, hidden: arch.hiddenDim },
      machine: machine(),
    };
    if (opts.json) {
      console.log(JSON.stringify(result));
    } else {
      console.log(`mtcgcnn screen: ${result.files} files (${result.rows} rows, ${result.failed} failed) in ${result.wallSeconds} s end to end`);
      console.log(`  throughput:  ${result.filesPerSecond} files/s end to end (CLI's own figure, after startup: ${result.cliFilesPerSecond} files/s); target ${TARGET_FILES_PER_SECOND} files/s: ${result.meetsTarget ? 'met' : 'NOT met'}`);
      console.log(`  peak RSS:    ${result.peakRssMiB} MiB (main process and its worker threads)`);
      console.log(`  model:       ${result.model.tasks.join(', ')}; ${result.model.members} member(s); ${arch.convDim}/${arch.numConv}/${arch.hiddenDim} (${modelNote})`);
      console.log(`  machine:     ${result.machine.cpus} logical CPUs (${result.machine.cpu}), load ${result.machine.loadAverage.join(' ')}, ${result.workerThreads} worker thread(s) (${result.workersDo}), Node ${result.machine.node}`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench/screen: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
