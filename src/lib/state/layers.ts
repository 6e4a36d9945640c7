/**
 * What ui/ shows of a model definition — the layer classes and fields the editor offers, how a shape is written,
 * which names are presets — taken from src/lib/model-spec/ (the definitions' own module, shared with the worker), so
 * that components import the page's state only.
 */
export {
  ACTIVATIONS,
  FIELDS,
  LAYER_CLASSES,
  type FieldSpec,
  type LayerClass,
  type LayerSpec,
} from '../model-spec/format';
export { fieldText, formatShape, type ResolvedLayer, type ResolvedModel } from '../model-spec/resolve';
export { MLP_MODEL, isPreset } from '../model-spec/presets';
