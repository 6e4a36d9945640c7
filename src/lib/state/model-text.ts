/**
 * Words about models that the page shows in its language, looked up by a model's name: src/lib/models keeps its
 * English descriptions for the definitions it writes (exported files), the page shows the catalog's.
 */
import { m } from '../../paraglide/messages.js';
import { CONVNET_MODEL, LENET_MODEL, LOGISTIC_MODEL, MLP_MODEL } from '../model-spec/presets';

const PRESET_DESCRIPTIONS: Record<string, () => string> = {
  [LOGISTIC_MODEL]: m.preset_logistic,
  [MLP_MODEL]: m.preset_mlp,
  [LENET_MODEL]: m.preset_lenet,
  [CONVNET_MODEL]: m.preset_convnet,
};

/** A preset's description in the page's language; null for any other name. */
export function presetDescription(name: string): string | null {
  return PRESET_DESCRIPTIONS[name]?.() ?? null;
}
