/* global document, window, Image */
/**
 * Loaded by csp-libs.e2e.ts under the app's Content-Security-Policy: renders a crystal with 3Dmol (WebGL) and a
 * scatter chart with ECharts (SVG and canvas renderers), then publishes what happened on window.__probe.
 */
import * as $3Dmol from '3dmol';
import * as echarts from 'echarts/core';
import { ScatterChart } from 'echarts/charts';
import { GridComponent, TitleComponent } from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

// Rock salt, conventional cell written out in P1 (8 atoms).
const NACL_CIF = `data_NaCl
_cell_length_a 5.64
_cell_length_b 5.64
_cell_length_c 5.64
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P 1'
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Na1 Na 0.0 0.0 0.0
Na2 Na 0.5 0.5 0.0
Na3 Na 0.5 0.0 0.5
Na4 Na 0.0 0.5 0.5
Cl1 Cl 0.5 0.0 0.0
Cl2 Cl 0.0 0.5 0.0
Cl3 Cl 0.0 0.0 0.5
Cl4 Cl 0.5 0.5 0.5
`;

/** Share of pixels in a PNG data URL that differ from the white background. */
function coloredShare(dataUrl) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, c.width, c.height).data;
      let colored = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] < 240 || px[i + 1] < 240 || px[i + 2] < 240) colored++;
      resolve(colored / (px.length / 4));
    };
    img.onerror = () => reject(new Error('could not load the viewer image'));
    img.src = dataUrl;
  });
}

async function viewer3d() {
  const el = document.getElementById('viewer');
  const viewer = $3Dmol.createViewer(el, { backgroundColor: 'white' });
  const model = viewer.addModel(NACL_CIF, 'cif');
  viewer.setStyle({}, { sphere: { scale: 0.35 } });
  viewer.addUnitCell(model);
  viewer.zoomTo();
  viewer.render();
  const atoms = model.selectedAtoms({}).length;
  const share = await coloredShare(viewer.pngURI());
  return { atoms, coloredShare: share, canvases: el.querySelectorAll('canvas').length };
}

function chart(renderer, id) {
  echarts.use([ScatterChart, GridComponent, TitleComponent, SVGRenderer, CanvasRenderer]);
  const el = document.getElementById(id);
  const c = echarts.init(el, undefined, { renderer, width: 360, height: 260 });
  c.setOption({
    animation: false,
    title: { text: 'Parity: band gap' },
    xAxis: { name: 'DFT (eV)' },
    yAxis: { name: 'predicted (eV)' },
    series: [{ type: 'scatter', data: [[0, 0.1], [1.2, 1.0], [3.8, 3.6]] }],
  });
  return {
    svgTexts: [...el.querySelectorAll('svg text')].map((t) => t.textContent),
    canvases: el.querySelectorAll('canvas').length,
  };
}

async function run(name, fn) {
  try {
    return { ok: true, ...(await fn()) };
  } catch (err) {
    return { ok: false, error: String(err && err.stack ? err.stack : err) };
  }
}

window.__probe = (async () => ({
  viewer: await run('viewer', viewer3d),
  svg: await run('svg', () => chart('svg', 'chart-svg')),
  canvas: await run('canvas', () => chart('canvas', 'chart-canvas')),
}))();
