/**
 * What ui/ shows of a model definition — the layer classes and fields the editor offers, how a shape is written,
 * which names are presets — taken from src/lib/models/ (the definitions' own module, shared with the worker), so
 * that components import the page's state only.
 */
export {
  ACTIVATIONS,
  FIELDS,
  LAYER_CLASSES,
  fieldText,
  formatShape,
  type FieldSpec,
  type LayerClass,
  type LayerSpec,
  type ResolvedLayer,
  type ResolvedModel,
} from '../models/spec';
export { MLP_MODEL, isPreset } from '../models/presets';
