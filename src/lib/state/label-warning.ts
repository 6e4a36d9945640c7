/**
 * The words of the warning for a label beyond the other splits' classes (shared/label-fit.ts), as a function of the
 * page's language so that the alert follows a later switch.
 */
import { m } from '../../paraglide/messages.js';
import type { LabelMisfit } from '../shared/label-fit';
import type { SplitName } from '../shared/worker-types';

export function labelMisfitText(
  f: LabelMisfit<SplitName>,
  splitLabel: (split: SplitName) => string,
): () => string {
  return () =>
    m.labels_misfit({
      file: f.file,
      record: f.record,
      offset: f.offset,
      label: f.label,
      others: f.others.map(splitLabel).join(', '),
      last: f.classes - 1,
      split: splitLabel(f.split),
      count: f.count,
      classes: f.label + 1,
    });
}
