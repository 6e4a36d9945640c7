/** A definition as a file: its name's rules, and JSON read (checking the envelope and every layer) and written. */
import { PagetrainError, type UserText, joinTexts, text } from '../shared/errors';
import { FORMAT, FORMAT_VERSION, LIMITS, type LayerSpec, type ModelDefinition, definition } from './format';
import { checkConfig, describeLayer, layerClassOf, unknownLayer } from './resolve';

/** The problem with a model name without its closing period, or null: 1 to 64 visible characters, no leading/trailing spaces. */
function nameFault(name: string): UserText | null {
  if (typeof name !== 'string' || name.trim() === '') return text('spec_name_empty');
  if (name !== name.trim()) return text('spec_name_spaces');
  if (name.length > LIMITS.nameLength) return text('spec_name_long', { max: LIMITS.nameLength });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return text('spec_name_control');
  return null;
}

/** The problem with a model name as a sentence (a catalog text), or null. */
export function nameProblem(name: string): UserText | null {
  const fault = nameFault(name);
  return fault && text('text_sentence', { text: fault });
}

export class DefinitionError extends PagetrainError {
  constructor(t: UserText) {
    super('DefinitionError', t);
  }
}

/**
 * Reads a definition from JSON text (an exported file). Checks the envelope and every layer; throws a
 * DefinitionError naming the source and each problem. Shapes are checked later, against the loaded data.
 */
export function parseDefinition(json_: string, source: string): ModelDefinition {
  let json: unknown;
  try {
    json = JSON.parse(json_);
  } catch (e) {
    throw new DefinitionError(text('def_not_json', { source, error: (e as Error).message }));
  }
  const problems: UserText[] = [];
  const o = json as Partial<ModelDefinition> | null;
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw new DefinitionError(text('def_not_object', { source }));
  if (o.format !== FORMAT)
    throw new DefinitionError(
      'modelTopology' in o
        ? text('def_not_definition_tfjs', { source })
        : text('def_not_definition', { source, format: FORMAT }),
    );
  if (o.version !== FORMAT_VERSION)
    problems.push(text('def_version', { version: String(o.version), expected: FORMAT_VERSION }));
  const np = nameFault(o.name as string);
  if (np) problems.push(np);
  if (!Array.isArray(o.layers)) problems.push(text('def_no_layers'));
  else {
    if (o.layers.length > LIMITS.layers)
      problems.push(text('def_too_many_layers', { n: o.layers.length, max: LIMITS.layers }));
    // Types and settings only: shapes are checked later, against the data that gets loaded.
    o.layers.forEach((raw: unknown, index) => {
      const c = layerClassOf(raw);
      if (!c) problems.push(unknownLayer(raw, index));
      else
        for (const p of checkConfig(c, (raw as { config?: unknown }).config).problems)
          problems.push(text('spec_layer_problem', { layer: describeLayer(index, c), problem: p }));
    });
  }
  if (problems.length)
    throw new DefinitionError(text('def_problems', { source, problems: joinTexts(problems, 'text_list') }));
  return definition(
    o.name as string,
    o.layers as LayerSpec[],
    typeof o.description === 'string' ? o.description : undefined,
  );
}

export function stringifyDefinition(def: ModelDefinition): string {
  return JSON.stringify(def, null, 2) + '\n';
}
