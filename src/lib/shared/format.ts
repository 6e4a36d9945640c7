/**
 * Sizes in bytes for people, in one module: what is stored (IndexedDB, the browser's quota) in SI units as browsers
 * show storage, and memory (the data budget, GPU buffers) in mebibytes, as the budget and `pagetrainDebug` are set.
 */

/** A plain-language storage figure, SI units: 1.2 MB, 340 kB. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** Memory in mebibytes as the messages show them (they say "MB"): "6.3", "1,024". */
export function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb < 10 ? mb.toFixed(1) : Math.round(mb).toLocaleString('en-US');
}
