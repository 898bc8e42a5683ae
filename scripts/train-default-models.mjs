// The reproducible recipe for the models the app ships (resources/models/), all trained on mp-cgcnn-25k with seed 0
// and the paper's 60/20/20 split (so every shipped model is tested on the same 5,142 held-back crystals):
//  - the default: an MT-CGCNN ensemble over formation energy, band gap and Fermi energy (the MT-CGCNN paper's E4)
//    with learned uncertainty weighting (Kendall et al. 2018):
//      node scripts/train-default-models.mjs --epochs 5 --ensemble 3
//  - single-task CGCNN ensembles for the properties where one beats E4 (they are not made the default):
//      node scripts/train-default-models.mjs --name cgcnn-formation-energy-mp25k --tasks formation_energy_per_atom_eV --epochs 15 --ensemble 3
//      node scripts/train-default-models.mjs --name cgcnn-band-gap-mp25k --tasks band_gap_eV --epochs 15 --ensemble 3
//      node scripts/train-default-models.mjs --name cgcnn-fermi-energy-mp25k --tasks efermi_eV --epochs 15 --ensemble 3
// Usage: npm run build && node scripts/train-default-models.mjs [--data DIR] [--name NAME] [--tasks C1,C2] [--epochs N] [--ensemble K]
//          [--work DIR] [--cli FILE] [--resources DIR]
//          [-- MORE TRAIN OPTIONS]   everything after "--" goes to `mtcgcnn train` as it is and into the card's recipe,
//          e.g. -- --classify is_metal=band_gap_eV<0.025 --loss l1 --warmup-epochs 2
//  - a warm restart of a shipped model (more epochs at a lower learning rate; the card's recipe then names both stages
//    and `continues` records the source's epochs, time and test figures):
//      node scripts/train-default-models.mjs --name cgcnn-formation-energy-mp25k --tasks formation_energy_per_atom_eV --epochs 30 --ensemble 3 -- --loss l1 --from cgcnn-formation-energy-mp25k --learning-rate 0.001
// The dataset is read from ../shared and never copied; only the trained bundle is written to resources/models.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dashes = process.argv.indexOf('--');
const own = dashes >= 0 ? process.argv.slice(0, dashes) : process.argv;
const extra = dashes >= 0 ? process.argv.slice(dashes + 1) : [];
const opt = (name, fallback) => {
  const i = own.indexOf(`--${name}`);
  return i >= 0 ? own[i + 1] : fallback;
};
const data = path.resolve(opt('data', path.join('..', 'shared', 'datasets', 'mp-cgcnn-25k')));
const epochs = opt('epochs', '5');
const ensemble = opt('ensemble', '3');
const E4_TASKS = 'formation_energy_per_atom_eV,band_gap_eV,efermi_eV';
const name = opt('name', 'mtcgcnn-e4-mp25k');
const tasks = opt('tasks', E4_TASKS);
const multiTask = tasks.includes(',');
// Only the E4 ensemble becomes the default model; single-task models sit beside it in the catalogue.
const makeDefault = tasks === E4_TASKS;
const cli = path.resolve(opt('cli', path.join('out', 'main', 'cli.js')));
// --work DIR keeps the checkpoints somewhere that survives a reboot, so a long training resumes where it stopped.
const work = path.resolve(opt('work', path.join(os.tmpdir(), `mtcgcnn-${name}`)));
// A run started --from a shipped model records that model's folder: it is said relative too.
const resourcesRoot = path.resolve(opt('resources', 'resources'));
const dest = path.join(resourcesRoot, 'models', name);

// A run that continues a shipped model (`-- --from NAME`) states the whole recipe: the source's, then this one. The
// source card is read now, because the new bundle may replace the source's folder (same name).
const fromAt = extra.indexOf('--from');
const sourceCardFile = fromAt >= 0 ? path.join(resourcesRoot, 'models', extra[fromAt + 1], 'card.json') : null;
const sourceCard = sourceCardFile ? JSON.parse(readFileSync(sourceCardFile, 'utf8')) : null;

const args = [cli, 'train', data, '--tasks', tasks, ...(multiTask ? ['--weighting', 'uncertainty'] : []),
  '--epochs', epochs, '--ensemble', ensemble, '--seed', '0', '--out', work, '--quiet', ...extra];
console.log(`node ${args.join(' ')}`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

rmSync(dest, { recursive: true, force: true });
mkdirSync(dest, { recursive: true });
for (const f of readdirSync(work)) if (f !== 'checkpoint.bin' && !f.startsWith('checkpoint')) cpSync(path.join(work, f), path.join(dest, f), { recursive: true });
// The training card records where the data and the bundle were: say it relative to the repository (../shared/...,
// resources/models/...) so that no path of the machine that trained it ships. Only JSON metadata changes; the
// weights' checksums cover the weight files alone.
const relative = (p) => path.relative(process.cwd(), p).split(path.sep).join('/');
for (const f of ['model.json', 'training-run.json']) {
  const file = path.join(dest, f);
  const text = readFileSync(file, 'utf8').split(data).join(relative(data)).split(work).join(relative(dest))
    .split(resourcesRoot).join(relative(resourcesRoot));
  writeFileSync(file, text);
}
const model = JSON.parse(readFileSync(path.join(dest, 'model.json'), 'utf8'));
const card = model.trainingCard;
const bytes = (p) => (statSync(p).isDirectory() ? readdirSync(p).reduce((a, f) => a + bytes(path.join(p, f)), 0) : statSync(p).size);
const provenance = {
  name,
  description: multiTask
    ? `MT-CGCNN ensemble (${model.tasks.map((t) => t.name).join(', ')}) trained on Materials Project crystals`
    : `Single-task CGCNN ensemble (${model.tasks[0].name}) trained on Materials Project crystals`,
  recipe: `${sourceCard ? `${sourceCard.recipe}; then ` : ''}node scripts/train-default-models.mjs${name === 'mtcgcnn-e4-mp25k' ? '' : ` --name ${name}`}${makeDefault ? '' : ` --tasks ${tasks}`} --epochs ${epochs} --ensemble ${ensemble}${extra.length ? ` -- ${extra.map((a) => (/[<>\s]/.test(a) ? `'${a}'` : a)).join(' ')}` : ''}`,
  dataset: {
    name: 'mp-cgcnn-25k (25,710 Materials Project crystals, GGA/GGA+U)',
    license: 'Materials Project data, CC BY 4.0',
    contentHash: card.dataset.contentHash,
    citations: [
      'A. Jain et al., "Commentary: The Materials Project: A materials genome approach to accelerating materials innovation", APL Materials 1, 011002 (2013)',
      'T. Xie and J. C. Grossman, "Crystal Graph Convolutional Neural Networks for an Accurate and Interpretable Prediction of Material Properties", Phys. Rev. Lett. 120, 145301 (2018)',
      'S. Sanyal et al., "MT-CGCNN: Integrating Crystal Graph Convolutional Neural Network with Multitask Learning for Material Property Prediction", arXiv:1811.05660 (2018)',
    ],
  },
  split: card.split,
  testMetrics: card.testMetrics,
  // every earlier stage stays on the card: `continues` nests the source's own `continues`
  ...(sourceCard ? { continues: { name: sourceCard.name, epochs: sourceCard.epochs, trainingSeconds: sourceCard.trainingSeconds, testMetrics: sourceCard.testMetrics, ...(sourceCard.continues ? { continues: sourceCard.continues } : {}) } } : {}),
  ensemble: model.members.length,
  epochs: card.epochs,
  trainingSeconds: card.durationSeconds,
  backend: card.backend,
  bytes: bytes(dest),
};
writeFileSync(path.join(dest, 'card.json'), JSON.stringify(provenance, null, 2) + '\n');
if (makeDefault) writeFileSync(path.resolve(opt('resources', 'resources'), 'models', 'default.json'), JSON.stringify({ default: name }, null, 2) + '\n');
console.log(JSON.stringify({ dest, bytes: provenance.bytes, testMetrics: card.testMetrics }, null, 2));
