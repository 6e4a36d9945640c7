import { describe, expect, it } from 'vitest';
import { calibrationKey, fastest, ranked, type BackendFigure } from '../../../src/lib/shared/calibration';

const fig = (backend: BackendFigure['backend'], examplesPerSec: number | null): BackendFigure => ({
  backend,
  examplesPerSec,
  steps: examplesPerSec === null ? 0 : 5,
});

describe('calibration', () => {
  it('names the backend with the highest measured figure, whatever the adapter', () => {
    expect(fastest({ figures: [fig('webgpu', 14300), fig('wasm', 16900), fig('webgl', 3200)] })).toBe('wasm');
    expect(fastest({ figures: [fig('webgpu', 14300), fig('wasm', null), fig('webgl', 3200)] })).toBe(
      'webgpu',
    );
    expect(fastest({ figures: [fig('wasm', null)] })).toBeNull();
  });

  it('lists fastest first, backends that could not train last', () => {
    const r = ranked({
      figures: [fig('cpu', null), fig('webgl', 3200), fig('wasm', 16900), fig('webgpu', 14300)],
    });
    expect(r.map((f) => f.backend)).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
  });

  it('keys the cache by adapter, model, batch size and definition', () => {
    const a = calibrationKey('Google SwiftShader', 'LogisticModel', 512);
    expect(calibrationKey('NVIDIA Hopper', 'LogisticModel', 512)).not.toBe(a);
    expect(calibrationKey('Google SwiftShader', 'LeNetModel', 512)).not.toBe(a);
    expect(calibrationKey('Google SwiftShader', 'LogisticModel', 128)).not.toBe(a);
    expect(calibrationKey('Google SwiftShader', 'LogisticModel', 512, '{"layers":[]}')).not.toBe(a);
  });
});
