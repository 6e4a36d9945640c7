/**
 * Labels that do not fit the other splits: one record labelled 42 among labels 0–9 makes a 43-class model (the class
 * count is the largest label + 1, as before). The worker finds it on the load that can change it (worker/splits.ts);
 * the page warns in its alert, naming the record, and the user goes on or fixes the data.
 */

/** `Split`: the splits' names (worker-types.ts's SplitName, which holds this type: a parameter keeps them acyclic). */
export interface LabelMisfit<Split extends string = string> {
  /** The split holding the label. */
  split: Split;
  /** The record of its largest label: file, 0-based index in the file, byte offset. */
  file: string;
  record: number;
  offset: number;
  label: number;
  /** Records of `split` labelled beyond the other splits' classes. */
  count: number;
  /** The splits compared with (training and validation data, not `split`), and the classes they have: 0..classes-1. */
  others: Split[];
  classes: number;
}
