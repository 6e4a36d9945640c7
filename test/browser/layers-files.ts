/**
 * TensorFlow.js layers-model files (model.json + one weights file) made here in Node by tfjs itself, as the converter
 * would write them, for the tests that import a model through the page.
 */
import * as tf from '@tensorflow/tfjs';

export interface UploadFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** `model` saved as model.json plus `weightsName` (the model is disposed). */
export async function layersModelFiles(model: tf.LayersModel, weightsName: string): Promise<UploadFile[]> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  const a = artifacts as unknown as tf.io.ModelArtifacts;
  const json = {
    format: 'layers-model',
    generatedBy: 'test',
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: [`./${weightsName}`], weights: a.weightSpecs }],
  };
  return [
    { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(json)) },
    {
      name: weightsName,
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(tf.io.concatenateArrayBuffers(a.weightData!)),
    },
  ];
}
