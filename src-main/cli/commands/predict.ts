import path from 'node:path';
import type { Command } from '../command';
import { CommandFailure, UsageError, booleanOption, stringOption } from '../command';
import { modelOptionSpec, resolveModelOption } from '../model-option';
import { readStructureFileSync } from '../../core/io';
import { buildCrystalGraph } from '../../core/graph/build-graph';
import type { CrystalGraph } from '../../core/graph/crystal-graph';
import { Predictor } from '../../core/model/predictor';
import { describeError } from '../../core/featurize/featurize-chunk';
import { resolveTask } from '../../core/model/config';
import { errorRow, metalCall, nonFinitePrediction, outputLayout, predictionRow } from '../../core/screen/columns';
import { csvLine } from '../../core/screen/csv-writer';
import { writeFileAtomicSync } from '../../core/fs/atomic-write';
import { DomainChecker } from '../../core/screen/domain';

export const predictCommand: Command = {
  name: 'predict',
  summary: 'Predict the properties of a few structure files (CIF, POSCAR, extended XYZ) with a trained model.',
  positionals: 'FILE...',
  arity: [1, Infinity],
  options: {
    model: modelOptionSpec('model folder'),
    json: { type: 'boolean', description: 'print JSON instead of a table' },
    out: { type: 'string', valueName: 'FILE', description: 'also write the predictions to FILE.csv (the columns of mtcgcnn screen) or FILE.json' },
  },
  details: `Without --model the shipped default model is used (mtcgcnn models lists it and the models you trained or
installed; --model also takes their names). For folders of thousands of files use \`mtcgcnn screen\`, which
streams, runs in parallel and resumes. Every prediction of an ensemble comes with its standard deviation (±), and
a crystal whose elements or size lie outside the model's training data is flagged "out of domain".
Examples: mtcgcnn predict a.cif b.vasp
          mtcgcnn predict a.cif --model models/e1 --json
          mtcgcnn predict *.cif --out predictions.csv`,
  async run(args, io) {
    const out = stringOption(args, 'out');
    if (out !== undefined && !/\.(csv|json)$/i.test(out)) throw new UsageError(`--out ${out}: the file name must end in .csv or .json`);
    const model = resolveModelOption(args, io);
    const predictor = await Predictor.load(model.dir).catch((e: unknown) => {
      throw new CommandFailure(e instanceof Error ? e.message : String(e));
    });
    const domain = predictor.bundle.json.domain;
    const checker = domain ? new DomainChecker(domain) : undefined;
    const rows: { file: string; id: string; formula?: string; atoms?: number; graph?: CrystalGraph; domainReasons?: string[]; error?: string }[] = [];
    for (const file of args.positionals) {
      try {
        const structures = readStructureFileSync(path.resolve(file));
        for (const s of structures) {
          const id = structures.length > 1 ? `${path.basename(file)}#${s.name}` : path.basename(file);
          const graph = buildCrystalGraph(id, s.structure, predictor.bundle.graphSettings);
          const domainReasons = checker?.check(graph.atomicNumbers, s.structure.numSites).reasons ?? [];
          rows.push({ file, id, formula: s.structure.reducedFormula(), atoms: s.structure.numSites, graph, domainReasons });
        }
      } catch (e) {
        rows.push({ file, id: path.basename(file), error: describeError(e) });
      }
    }
    const ok = rows.filter((r) => r.graph);
    /** Row -> its column in the predictions (rows without a graph have none). */
    const column = new Map(ok.map((r, i) => [r, i]));
    const pred = ok.length ? predictor.predict(ok.map((r) => r.graph!)) : { mean: [] as Float64Array[] };
    const tasks = predictor.tasks;
    const layout = outputLayout({ tasks, ensembleSize: predictor.members, decisionThresholds: predictor.bundle.decisionThresholds });
    for (const [r, i] of column) {
      const bad = nonFinitePrediction(tasks, pred.mean.map((col) => col[i]), pred.std?.map((col) => col[i]));
      if (bad !== undefined) {
        r.error = bad;
        column.delete(r);
      }
    }
    const results = rows.map((r) => {
      const i = column.get(r);
      if (i === undefined) return { file: r.file, id: r.id, error: r.error };
      return {
        file: r.file,
        id: r.id,
        formula: r.formula,
        atoms: r.atoms,
        predictions: Object.fromEntries(tasks.map((t, k) => [t.name, { value: pred.mean[k][i], ...(pred.std ? { std: pred.std[k][i] } : {}), unit: t.unit }])),
        ...(layout.metalTask >= 0 ? { metal: metalCall(layout, pred.mean[layout.metalTask][i]) } : {}),
        outOfDomain: (r.domainReasons ?? []).length > 0,
        domainReasons: r.domainReasons ?? [],
      };
    });
    if (booleanOption(args, 'json')) io.out(JSON.stringify(results, null, 2));
    else {
      for (const r of results) {
        if (!('predictions' in r)) {
          io.out(`${r.id}: error: ${r.error}`);
          continue;
        }
        const values = tasks.map((t) => {
          const p = r.predictions[t.name];
          return `${resolveTask(t).displayName} = ${p.value.toFixed(3)}${p.std !== undefined ? ` ± ${p.std.toFixed(3)}` : ''} ${p.unit}`;
        });
        const flags = [...('metal' in r && r.metal ? [r.metal] : []), ...(r.outOfDomain ? [`OUT OF DOMAIN (${r.domainReasons.join('; ')})`] : [])];
        io.out(`${r.id} (${r.formula}, ${r.atoms} atoms): ${values.join('; ')}${flags.length ? ` [${flags.join(', ')}]` : ''}`);
      }
    }
    if (out !== undefined) {
      const file = path.resolve(out);
      let text: string;
      if (/\.json$/i.test(file)) text = JSON.stringify(results, null, 2) + '\n';
      else {
        const lines = [csvLine(layout.header)];
        for (const r of rows) {
          const i = column.get(r);
          if (i === undefined) lines.push(csvLine(errorRow(layout, r.id, r.file, r.error ?? 'unknown error')));
          else {
            const mean = tasks.map((_, k) => pred.mean[k][i]);
            const std = pred.std ? tasks.map((_, k) => pred.std![k][i]) : undefined;
            lines.push(csvLine(predictionRow(layout, { id: r.id, file: r.file, formula: r.formula!, numAtoms: r.atoms!, mean, std, outOfDomain: (r.domainReasons ?? []).length > 0 })));
          }
        }
        text = lines.join('');
      }
      writeFileAtomicSync(file, text);
      io.err(`${results.length} predictions written to ${file}`);
    }
    const failed = rows.length - column.size;
    if (failed) throw new CommandFailure(`${failed} of ${rows.length} structures could not be read or predicted`);
    return 0;
  },
};
