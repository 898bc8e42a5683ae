/** Every file of resources/demo/ by name, as scripts/generate-demo-structures.mjs writes them. */
import { DEMO_PROTOTYPES, demoCif, demoIndex, demoReadme } from './prototypes';

export function demoFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const p of DEMO_PROTOTYPES) files[`${p.id}.cif`] = demoCif(p);
  files['demo.json'] = JSON.stringify(demoIndex(), null, 2) + '\n';
  files['README.md'] = demoReadme();
  return files;
}
