import { ParseContext, u32be, type CaptureSink, type CaptureSummary, type FormatReader } from './context.js';
import { PcapReader } from './pcap.js';
import { PcapngReader } from './pcapng.js';

export type { CaptureSink, CaptureSummary } from './context.js';

export interface CaptureParserOptions {
  /** Largest captured length accepted; default: libpcap's per-link-type maximum (262144 for most). */
  maxCaptureLength?: number;
}

/** Bytes looked at to describe input that is not a capture. */
const SNIFF = 24;
/** Smallest carry allocation, so tiny chunks do not reallocate per record. */
const MIN_CARRY = 4096;

/**
 * Push parser for classic pcap and pcapng. `push` parses every complete record it has and calls
 * `sink.onRecord` synchronously; a record that lies inside the pushed chunk is passed zero-copy
 * (`rec.data` is the chunk itself), so the chunk must stay unchanged until `push` returns, and
 * neither the record nor its bytes may be kept after the callback. A record split across chunks
 * is assembled in one carry buffer, grown only after its length has been validated.
 *
 * Any chunking of the same bytes gives the same records and issues. After a fatal issue the rest
 * of the input is ignored.
 */
export class CaptureParser {
  private readonly ctx: ParseContext;
  private reader: FormatReader | null = null;
  private format: CaptureSummary['format'] = 'unknown';
  private carry = new Uint8Array(0);
  private carryLen = 0;
  /** Stream offset of carry[0]. */
  private carryBase = 0;
  private total = 0;
  private ended = false;
  private summary: CaptureSummary | null = null;

  constructor(sink: CaptureSink, options?: CaptureParserOptions) {
    this.ctx = new ParseContext(sink, options?.maxCaptureLength);
  }

  /** Bytes pushed so far (the stream offset of the next pushed byte). */
  get bytesPushed(): number {
    return this.total;
  }

  /** True once a fatal issue stopped parsing. */
  get stopped(): boolean {
    return this.ctx.dead;
  }

  push(bytes: Uint8Array): void {
    if (this.ended) throw new Error('CaptureParser.push() after end()');
    // Records reach the decoders as plain Uint8Arrays only, whatever the source: files and
    // gunzip deliver Buffers, the carry buffer is a Uint8Array, and byte reads that see both
    // kinds of object are polymorphic (V8 deoptimised every decoder at the first record split
    // across two chunks, and re-optimised them for both). A view per chunk, not per record.
    const chunk = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const chunkBase = this.total;
    this.total += chunk.length;
    if (this.ctx.dead) return;
    let pos = 0;
    if (this.carryLen > 0) {
      for (;;) {
        const need = this.need();
        const take = Math.min(need - this.carryLen, chunk.length - pos);
        this.growCarry(need);
        this.carry.set(chunk.subarray(pos, pos + take), this.carryLen);
        this.carryLen += take;
        pos += take;
        if (this.carryLen < need) return;
        const used = this.parse(this.carry, 0, this.carryLen, this.carryBase);
        if (this.ctx.dead) return;
        if (used === this.carryLen) {
          this.carryLen = 0;
          break;
        }
        // The unit's header is complete but it needs more bytes: loop with the new `need`.
        if (used === 0 && this.need() <= this.carryLen) throw new Error('CaptureParser: reader made no progress');
        if (used !== 0) {
          this.carry.copyWithin(0, used, this.carryLen);
          this.carryLen -= used;
          this.carryBase += used;
        }
      }
    }
    if (pos === chunk.length) return;
    const used = this.parse(chunk, pos, chunk.length, chunkBase);
    if (this.ctx.dead) return;
    const rest = chunk.length - used;
    if (rest > 0) {
      this.growCarry(Math.max(rest, this.need()));
      this.carry.set(chunk.subarray(used), 0);
      this.carryLen = rest;
      this.carryBase = chunkBase + used;
    }
  }

  /**
   * Stops the parse with a fatal issue found outside the capture bytes (e.g. corrupt gzip), at the
   * current end of the stream; ignored if the parse already stopped.
   */
  fail(code: string, message: string): void {
    this.ctx.issue(code, this.total, message, true);
  }

  /** Ends the input: reports a cut record or an unrecognised file, returns the summary. */
  end(): CaptureSummary {
    if (this.summary) return this.summary;
    this.ended = true;
    const ctx = this.ctx;
    if (!ctx.dead && this.reader === null && this.carryLen >= 4) {
      // Short input: decide on what there is (a capture magic, or a description of the bytes).
      this.parse(this.carry, 0, this.carryLen, this.carryBase);
    }
    if (!ctx.dead) {
      if (this.reader === null) {
        ctx.issue('not_a_capture', 0, `not a pcap or pcapng capture: ${describe(this.carry, this.carryLen)}`, true);
      } else if (this.carryLen > 0) {
        this.reader.reportCut(this.carry, this.carryLen, this.carryBase);
      }
    }
    ctx.reportHeldBack();
    const started = this.reader?.started ?? false;
    this.summary = {
      format: this.format,
      nanosecond: ctx.nanosecond,
      bigEndian: ctx.bigEndian,
      linkTypes: ctx.linkTypes.slice(),
      snaplen: ctx.snaplen,
      frames: ctx.frames,
      bytes: this.total,
      issues: ctx.issues.slice(),
      complete: !ctx.dead && started && this.carryLen === 0,
    };
    // Drop a possibly large carry buffer; the parser is finished.
    this.carry = new Uint8Array(0);
    return this.summary;
  }

  private need(): number {
    return this.reader === null ? SNIFF : this.reader.need;
  }

  private parse(b: Uint8Array, start: number, end: number, base: number): number {
    if (this.reader === null) {
      const avail = end - start;
      if (avail < 4) return start;
      const magic = u32be(b, start);
      switch (magic) {
        case 0xa1b2c3d4:
        case 0xd4c3b2a1:
        case 0xa1b23c4d:
        case 0x4d3cb2a1:
        case 0xa1b2cd34:
        case 0x34cdb2a1:
          this.reader = new PcapReader(this.ctx);
          this.format = 'pcap';
          break;
        case 0x0a0d0d0a:
          this.reader = new PcapngReader(this.ctx);
          this.format = 'pcapng';
          break;
        default:
          // Wait for enough bytes to describe the input the same way whatever the chunking.
          if (avail < SNIFF && !this.ended) return start;
          this.ctx.issue('not_a_capture', base + start, `not a pcap or pcapng capture: ${describe(b.subarray(start, end), SNIFF)}`, true);
          return start;
      }
    }
    return this.reader.parse(b, start, end, base);
  }

  private growCarry(size: number): void {
    if (this.carry.length >= size) return;
    const next = new Uint8Array(Math.max(size, MIN_CARRY));
    next.set(this.carry.subarray(0, this.carryLen), 0);
    this.carry = next;
  }
}

/** What the first bytes of a non-capture look like, for a one-line message. */
export function describe(b: Uint8Array, length: number): string {
  const n = Math.min(length, b.length, SNIFF);
  if (n === 0) return 'empty file';
  if (n < 4) return `only ${n} byte${n === 1 ? '' : 's'}`;
  const b0 = b[0]!;
  const b1 = b[1]!;
  if (b0 === 0x7f && b1 === 0x45 && b[2] === 0x4c && b[3] === 0x46) return 'ELF executable';
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip data';
  if (b0 === 0x50 && b1 === 0x4b && b[2] === 3 && b[3] === 4) return 'zip archive';
  if (b0 === 0x42 && b1 === 0x5a && b[2] === 0x68) return 'bzip2 data';
  if (b0 === 0xfd && b1 === 0x37 && b[2] === 0x7a && b[3] === 0x58) return 'xz data';
  if (b0 === 0x28 && b1 === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return 'zstd data';
  let text = true;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (!(c === 9 || c === 10 || c === 13 || (c >= 0x20 && c < 0x7f) || c >= 0x80)) {
      text = false;
      break;
    }
  }
  if (text) {
    let i = 0;
    while (i < n && (b[i] === 0x20 || b[i] === 9 || b[i] === 10 || b[i] === 13)) i++;
    if (b[i] === 0x7b || b[i] === 0x5b) return 'JSON';
    const shown = Buffer.from(b.subarray(0, Math.min(n, 8))).toString('latin1').replace(/[\t\r\n]/g, ' ').replace(/[^\x20-\x7e]/g, '?');
    return `text (starts '${shown}${n > 8 ? '…' : ''}')`;
  }
  let hex = '';
  for (let i = 0; i < Math.min(n, 8); i++) hex += (i ? ' ' : '') + b[i]!.toString(16).padStart(2, '0');
  return `unrecognised data (first bytes ${hex})`;
}
