import { describe, expect, it } from 'vitest';
import { csvExportPath, MAX_SCREENING_NAME, screeningName, startScreeningRequest } from '../../src-renderer/src/screening/screening-request';

const runModel = { name: 'MT model', ref: { kind: 'run' as const, runId: 'r1' } };
const shippedModel = { name: 'mt-cgcnn-e4', ref: { kind: 'catalogue' as const, model: { source: 'shipped' as const, name: 'mt-cgcnn-e4' } } };

describe('screening requests', () => {
  it('names a screening as typed, else after the last folder of the path and the model', () => {
    expect(screeningName({ folder: '/data/new', name: '  Oxides  ' }, 'MT model')).toBe('Oxides');
    expect(screeningName({ folder: ' /data/new cifs/ ', name: ' ' }, 'MT model')).toBe('new cifs with MT model');
    expect(screeningName({ folder: 'C:\\data\\icsd\\', name: '' }, 'm')).toBe('icsd with m');
    expect(screeningName({ folder: '/', name: '' }, 'm')).toBe('folder with m');
    expect(screeningName({ folder: '/d', name: 'x'.repeat(200) }, 'm')).toHaveLength(MAX_SCREENING_NAME);
    expect(screeningName({ folder: `/${'y'.repeat(100)}`, name: '' }, 'm')).toBe('y'.repeat(MAX_SCREENING_NAME));
  });

  it('starts with a project run by id and with a catalogue model by source and name', () => {
    expect(startScreeningRequest(runModel, { folder: ' /data/new ', name: '', recursive: true })).toEqual({ runId: 'r1', folder: '/data/new', name: 'new with MT model', recursive: true });
    expect(startScreeningRequest(shippedModel, { folder: '/data/new', name: 'Candidates', recursive: false })).toEqual({
      model: { source: 'shipped', name: 'mt-cgcnn-e4' },
      folder: '/data/new',
      name: 'Candidates',
      recursive: false,
    });
  });

  it('exports to a .csv file, keeping an extension the user typed in any case', () => {
    expect(csvExportPath('/home/u/out')).toBe('/home/u/out.csv');
    expect(csvExportPath('/home/u/out.CSV')).toBe('/home/u/out.CSV');
    expect(csvExportPath('/home/u/out.csv.txt')).toBe('/home/u/out.csv.txt.csv');
  });
});
