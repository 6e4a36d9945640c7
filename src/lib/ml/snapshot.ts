/**
 * A training state copied to host memory and rebuilt from it: how the model, Adam's moments and the step count
 * survive a change of tfjs backend (tensors belong to the backend that made them).
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from './config';
import { buildModel, type ModelSpec } from './models';
import { newTrainingState, type TrainingState } from './trainer';

interface HostTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface TrainingSnapshot {
  spec: ModelSpec;
  weights: HostTensor[];
  /** Adam's first then second moments, one per trainable weight; empty before the first step. */
  moments: HostTensor[];
  iterations: number;
  globalStep: number;
  epoch: number;
  epochOffset: number;
}

export async function snapshotTraining(state: TrainingState): Promise<TrainingSnapshot> {
  const model = state.built.model;
  const weights = await Promise.all(
    model.getWeights().map(async (t, i) => ({
      name: model.weights[i].originalName,
      shape: t.shape,
      values: (await t.data()) as Float32Array,
    })),
  );
  let moments: HostTensor[] = [];
  let iterations = 0;
  const trainable = model.trainableWeights;
  if (state.fused) {
    // The fused kernels own the moments: [W | b | m_W | m_b | v_W | v_b].
    const f = state.fused;
    const all = (await f.params.data()) as Float32Array;
    const at = (offset: number, i: number) => ({
      name: trainable[i].originalName,
      shape: trainable[i].shape as number[],
      values: all.slice(offset, offset + (i === 0 ? f.D * f.C : f.C)),
    });
    moments = [at(f.K, 0), at(f.K + f.D * f.C, 1), at(2 * f.K, 0), at(2 * f.K + f.D * f.C, 1)];
    iterations = f.adamSteps;
  } else {
    const named = await state.optimizer.getWeights();
    iterations = (await named[0].tensor.data())[0];
    // getWeights makes a fresh scalar for the iteration count each call.
    named[0].tensor.dispose();
    moments = await Promise.all(
      named.slice(1).map(async (w) => ({
        name: w.name,
        shape: w.tensor.shape,
        values: (await w.tensor.data()) as Float32Array,
      })),
    );
  }
  return {
    spec: state.built.spec,
    weights,
    moments,
    iterations,
    globalStep: state.globalStep,
    epoch: state.epoch,
    epochOffset: state.epochOffset,
  };
}

/** Builds the model again on the current backend and loads the snapshot into it and a fresh Adam. */
export async function restoreTraining(snap: TrainingSnapshot, config: TrainConfig): Promise<TrainingState> {
  const built = buildModel(snap.spec);
  const weights = snap.weights.map((w) => tf.tensor(w.values, w.shape));
  built.model.setWeights(weights);
  tf.dispose(weights);
  const state = newTrainingState(built, config);
  if (snap.moments.length) {
    const values = [
      { name: 'iter', tensor: tf.scalar(snap.iterations, 'int32') as tf.Tensor },
      ...snap.moments.map((m) => ({ name: m.name, tensor: tf.tensor(m.values, m.shape) })),
    ];
    await state.optimizer.setWeights(values);
    tf.dispose(values.map((v) => v.tensor));
  }
  state.globalStep = snap.globalStep;
  state.epoch = snap.epoch;
  state.epochOffset = snap.epochOffset;
  return state;
}
