/**
 * Python's fixed-point float formatting, as the starter code's log lines use it: `'%.2f' % x` (train.py), `%.3f`
 * (eval.py) and `'{:3f}'.format(x)` (eval.py's Avg_Loss). Pure TypeScript, no tfjs, no DOM.
 *
 * Python rounds the exact binary value of the double to the nearest decimal, and an exact tie to the even digit:
 * 0.625 is exactly 5/8, so `'%.2f' % 0.625` is `0.62`, while 2.675 is stored as 2.67499999… and gives `2.67`.
 * `Number.prototype.toFixed` rounds exact ties away from zero (0.625 → "0.63"), switches to exponent notation from
 * 1e21 and drops the sign of −0, so we do the rounding here, exactly, in BigInt.
 */

const view = new DataView(new ArrayBuffer(8));

/** |x| = mantissa · 2^exponent for a finite double. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { mantissa, exponent: -1074 }; // subnormal (or zero)
  mantissa |= 1n << 52n;
  return { mantissa, exponent: biased - 1075 };
}

/** Python's `'%.{precision}f' % x`: `nan`, `inf`, `-inf`, `-0.00` for −0 and small negatives, no exponent. */
export function pyFixed(x: number, precision: number): string {
  if (!Number.isInteger(precision) || precision < 0 || precision > 100) {
    throw new RangeError(`pyFixed: precision must be an integer in [0, 100], got ${precision}`);
  }
  if (Number.isNaN(x)) return 'nan';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (!Number.isFinite(x)) return `${sign}inf`;
  const { mantissa, exponent } = decompose(x);
  // |x| · 10^precision = mantissa · 10^precision · 2^exponent, rounded half to even.
  const scaled = mantissa * 10n ** BigInt(precision);
  let digits: bigint;
  if (exponent >= 0) {
    digits = scaled << BigInt(exponent);
  } else {
    const shift = BigInt(-exponent);
    digits = scaled >> shift;
    const twiceRemainder = (scaled - (digits << shift)) << 1n;
    const denominator = 1n << shift;
    if (twiceRemainder > denominator || (twiceRemainder === denominator && (digits & 1n) === 1n))
      digits += 1n;
  }
  if (precision === 0) return sign + digits.toString();
  const text = digits.toString().padStart(precision + 1, '0');
  return `${sign}${text.slice(0, -precision)}.${text.slice(-precision)}`;
}

/** Python's `'{:{width}f}'.format(x)`: six decimals, right-aligned in at least `width` characters. */
export function pyFormatF(x: number, width: number): string {
  return pyFixed(x, 6).padStart(width, ' ');
}
