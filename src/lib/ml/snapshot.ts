/**
 * A TrainingState as plain data and back: the model (Keras topology JSON + weights), Adam's state, the step, the
 * epoch and the position in it. One representation for every way a state outlives its tensors: checkpoints in
 * IndexedDB, the model files, and a change of tfjs backend (tensors belong to the backend that made them).
 * Restoring a snapshot and training on gives the same steps as never stopping: same weights, same first and second
 * moments, same iteration count (hence bias correction), same place in the same seeded shuffle.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../shared/settings';
import type { BuiltModel, ModelSpec } from './models';
import { newTrainingState, syncFusedWeights, type TrainingState } from './trainer';
import { fusedPart } from './fused-logistic';
import type { StateSnapshot, WeightBuffer, WeightSpec } from '../shared/snapshot-types';

function specsOf(specs: tf.io.WeightsManifestEntry[]): WeightSpec[] {
  return specs.map((s) => ({ name: s.name, shape: s.shape, dtype: s.dtype as WeightSpec['dtype'] }));
}

export async function serializeModel(model: tf.LayersModel): Promise<StateSnapshot['model']> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts as unknown as tf.io.ModelArtifacts;
  return {
    topology: a.modelTopology as Record<string, unknown>,
    weights: {
      specs: specsOf(a.weightSpecs ?? []),
      data: tf.io.concatenateArrayBuffers(a.weightData ?? []),
    },
  };
}

export async function serializeOptimizer(optimizer: tf.AdamOptimizer): Promise<WeightBuffer> {
  const named = await optimizer.getWeights();
  try {
    const { data, specs } = await tf.io.encodeWeights(named);
    return { data, specs: specsOf(specs) };
  } finally {
    named[0]?.tensor.dispose(); // `iter` is a fresh scalar; the moments are the optimizer's own variables.
  }
}

function regularizedIndices(built: BuiltModel): StateSnapshot['regularized'] {
  const all = built.model.weights;
  return built.regularized.flatMap((r) =>
    r.weights.map((w) => ({ index: all.indexOf(w), l2: r.l2 })).filter((x) => x.index >= 0),
  );
}

/**
 * Adam's state while the fused kernels own it (they keep weights and moments in one buffer of their own), in the
 * same layout `optimizer.getWeights()` gives and `setWeights` takes: `iter` (int32), then the first moments, then
 * the second, each named after its variable.
 */
async function serializeFusedOptimizer(state: TrainingState): Promise<WeightBuffer> {
  const f = state.fused!;
  const all = await f.read();
  const [kernel, bias] = state.built.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { layout } = f;
  const { D, C, K } = layout;
  const parts: [string, number[], Float32Array][] = [
    [`${kernel.name}/m`, [D, C], fusedPart(all, layout, 'mW')],
    [`${bias.name}/m`, [C], fusedPart(all, layout, 'mb')],
    [`${kernel.name}/v`, [D, C], fusedPart(all, layout, 'vW')],
    [`${bias.name}/v`, [C], fusedPart(all, layout, 'vb')],
  ];
  // tfjs's encodeWeights layout: the int32 count, then each float32 tensor, back to back.
  const data = new ArrayBuffer(4 + 2 * K * 4);
  new Int32Array(data, 0, 1)[0] = f.adamSteps;
  let at = 4;
  for (const [, , values] of parts) {
    new Float32Array(data, at, values.length).set(values);
    at += values.byteLength;
  }
  const specs: WeightSpec[] = [
    { name: 'iter', shape: [], dtype: 'int32' },
    ...parts.map(([name, shape]) => ({ name, shape, dtype: 'float32' as const })),
  ];
  return { specs, data };
}

/** Reads the state back from the device (this waits for the GPU to finish the steps queued so far). */
export async function captureState(state: TrainingState): Promise<StateSnapshot> {
  // Mid-run on the fused path the model's variables lag behind: bring them up to date first.
  syncFusedWeights(state);
  const [model, optimizer] = await Promise.all([
    serializeModel(state.built.model),
    state.fused ? serializeFusedOptimizer(state) : serializeOptimizer(state.optimizer),
  ]);
  return {
    step: state.globalStep,
    epoch: state.epoch,
    epochExamples: state.epochExamples,
    model,
    optimizer,
    regularized: regularizedIndices(state.built),
  };
}

export async function loadModel(
  topology: Record<string, unknown>,
  weights: WeightBuffer | null,
): Promise<tf.LayersModel> {
  return tf.loadLayersModel(
    tf.io.fromMemory(
      weights
        ? { modelTopology: topology, weightSpecs: weights.specs, weightData: weights.data }
        : { modelTopology: topology },
    ),
  );
}

/** The spec of a model loaded from files: its name, input shape and class count as the model itself says. */
export function specOf(model: tf.LayersModel, seed: number): ModelSpec {
  const [, h, w, d] = model.inputs[0].shape as number[];
  return { name: model.name, inputShape: [h, w, d], numClasses: model.outputs[0].shape[1] as number, seed };
}

export function rebuiltRegularized(
  model: tf.LayersModel,
  reg: StateSnapshot['regularized'],
): BuiltModel['regularized'] {
  return reg
    .filter((r) => r.index < model.weights.length)
    .map((r) => ({ weights: [model.weights[r.index]], l2: r.l2 }));
}

export async function restoreOptimizer(optimizer: tf.AdamOptimizer, buf: WeightBuffer): Promise<void> {
  const map = tf.io.decodeWeights(buf.data, buf.specs);
  const named = buf.specs.map((s) => ({ name: s.name, tensor: map[s.name] }));
  try {
    await optimizer.setWeights(named);
  } finally {
    // setWeights made variables sharing these tensors' data; dropping our references leaves the variables intact.
    for (const t of Object.values(map)) t.dispose();
  }
}

/**
 * A TrainingState from a snapshot. Without `optimizer` the model keeps its weights and Adam starts afresh at
 * step 0 (fine-tuning an imported model).
 */
export async function restoreState(
  snap: Pick<StateSnapshot, 'model' | 'regularized'> &
    Partial<Pick<StateSnapshot, 'optimizer' | 'step' | 'epoch' | 'epochExamples'>>,
  config: TrainConfig,
  options: {
    /** false: the topology only, fresh weights. */
    withWeights?: boolean;
    /** What the model was built from, when known (a backend switch keeps it); else read from the model. */
    spec?: ModelSpec;
  } = {},
): Promise<TrainingState> {
  const model = await loadModel(
    snap.model.topology,
    options.withWeights === false ? null : snap.model.weights,
  );
  const state = newTrainingState(
    {
      spec: options.spec ?? specOf(model, config.seed),
      model,
      regularized: rebuiltRegularized(model, snap.regularized),
    },
    config,
  );
  if (snap.optimizer) {
    try {
      await restoreOptimizer(state.optimizer, snap.optimizer);
    } catch (e) {
      model.dispose();
      state.optimizer.dispose();
      throw e;
    }
    state.globalStep = snap.step ?? 0;
    state.epoch = snap.epoch ?? 0;
    state.epochExamples = snap.epochExamples ?? 0;
  }
  return state;
}
