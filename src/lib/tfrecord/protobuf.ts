/**
 * The protobuf wire format, as `tf.train.Example` decoding (./example.ts) reads it: wire types, varints, fixed-width
 * values, length-delimited fields and groups (skipped), each fault a 'not-example' TFRecordError naming the file, the
 * record and the byte. A plain reader (a position over the record's bytes), as hyparquet and pbf read theirs.
 */
import { TFRecordError } from './errors';
import { text } from '../shared/errors';

// Typed `number`, not literals, so that comparing a field against one does not narrow it for the next field.
export const WIRE_VARINT: number = 0;
export const WIRE_I64: number = 1;
export const WIRE_LEN: number = 2;
export const WIRE_SGROUP: number = 3;
export const WIRE_EGROUP: number = 4;
export const WIRE_I32: number = 5;

export const MAX_GROUP_DEPTH = 64;

/** Where a record came from, for error messages. */
export interface RecordContext {
  file: string;
  record: number;
  offset: number;
}

/** `what` is the protobuf-level fault (wire types, varints): a technical detail kept in English in both languages. */
export function malformed(ctx: RecordContext, what: string, at: number): never {
  throw new TFRecordError(
    'not-example',
    text('tf_not_example', { what, at }),
    ctx.file,
    ctx.record,
    ctx.offset,
  );
}

/**
 * A protobuf reader over `bytes`: a position plus the current field's number and wire type. Each method takes the
 * end of the enclosing message, so one reader walks nested messages without copies.
 */
export class ProtoReader {
  pos: number;
  field = 0;
  wire = 0;

  constructor(
    public bytes: Uint8Array,
    start: number,
    public ctx: RecordContext,
  ) {
    this.pos = start;
  }

  /** Points the reader at another message, so that a hot loop reuses one reader. */
  reset(bytes: Uint8Array, start: number, ctx: RecordContext): this {
    this.bytes = bytes;
    this.pos = start;
    this.ctx = ctx;
    return this;
  }

  /** Reads the next field's tag; false at `end`. */
  next(end: number): boolean {
    if (this.pos >= end) return false;
    const at = this.pos;
    const tag = this.uvarint(end);
    if (tag > 0xffff_ffff) malformed(this.ctx, 'field tag above 2^32', at);
    this.field = Math.floor(tag / 8);
    this.wire = tag % 8;
    if (this.field === 0) malformed(this.ctx, 'field number 0', at);
    return true;
  }

  /** An unsigned varint as a number; exact up to 2^53, which covers tags and lengths. */
  uvarint(end: number): number {
    const b = this.bytes;
    let p = this.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= end) malformed(this.ctx, 'varint runs past the end of its message', p);
      const x = b[p++];
      value += (x & 0x7f) * scale;
      if (x < 0x80) {
        this.pos = p;
        return value;
      }
      scale *= 128;
    }
    return malformed(this.ctx, 'varint longer than 10 bytes', this.pos);
  }

  /** A signed int64 varint (two's complement), exact or an 'int64-range' error. */
  int64(end: number): number {
    const b = this.bytes;
    const start = this.pos;
    let p = start;
    let lo = 0;
    let hi = 0;
    let x = 0;
    const byte = (): number => {
      if (p >= end) malformed(this.ctx, 'varint runs past the end of its message', p);
      return b[p++];
    };
    done: {
      for (let shift = 0; shift < 28; shift += 7) {
        x = byte();
        lo |= (x & 0x7f) << shift;
        if (x < 0x80) break done;
      }
      x = byte();
      lo |= (x & 0x0f) << 28;
      hi = (x & 0x70) >> 4;
      if (x < 0x80) break done;
      for (let shift = 3; shift < 32; shift += 7) {
        x = byte();
        hi |= (x & 0x7f) << shift;
        if (x < 0x80) break done;
      }
      malformed(this.ctx, 'varint longer than 10 bytes', start);
    }
    this.pos = p;
    hi |= 0;
    const value = hi * 0x1_0000_0000 + (lo >>> 0);
    if (hi < -0x20_0000 || hi >= 0x20_0000 || !Number.isSafeInteger(value)) {
      const exact = BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
      throw new TFRecordError(
        'int64-range',
        text('tf_int64_range', { value: String(exact), at: start }),
        this.ctx.file,
        this.ctx.record,
        this.ctx.offset,
      );
    }
    return value;
  }

  /** For a WIRE_LEN field: checks the length, leaves `pos` at the body and returns the body's end. */
  lenEnd(end: number): number {
    const at = this.pos;
    const length = this.uvarint(end);
    if (length > end - this.pos) malformed(this.ctx, `length ${length} runs past the end of its message`, at);
    return this.pos + length;
  }

  /** Skips the current field's value. */
  skip(end: number, depth = 0): void {
    switch (this.wire) {
      case WIRE_VARINT: {
        const b = this.bytes;
        const start = this.pos;
        while (this.pos < end && b[this.pos] >= 0x80) this.pos++;
        if (this.pos >= end) malformed(this.ctx, 'varint runs past the end of its message', start);
        if (this.pos - start >= 10) malformed(this.ctx, 'varint longer than 10 bytes', start);
        this.pos++;
        return;
      }
      case WIRE_I64:
        return this.advance(8, end);
      case WIRE_I32:
        return this.advance(4, end);
      case WIRE_LEN:
        this.pos = this.lenEnd(end);
        return;
      case WIRE_SGROUP: {
        const field = this.field;
        if (depth >= MAX_GROUP_DEPTH) malformed(this.ctx, 'groups nested too deep', this.pos);
        while (this.next(end)) {
          if (this.wire === WIRE_EGROUP) {
            if (this.field !== field) malformed(this.ctx, 'mismatched end-group tag', this.pos);
            return;
          }
          this.skip(end, depth + 1);
        }
        return malformed(this.ctx, 'group without end tag', this.pos);
      }
      case WIRE_EGROUP:
        return malformed(this.ctx, 'unexpected end-group tag', this.pos);
      default:
        return malformed(this.ctx, `invalid wire type ${this.wire}`, this.pos);
    }
  }

  private advance(n: number, end: number): void {
    if (end - this.pos < n)
      malformed(this.ctx, 'fixed-width value runs past the end of its message', this.pos);
    this.pos += n;
  }
}
