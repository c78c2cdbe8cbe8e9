import { maxSnaplenForLinkType, u16be, u16le, u32be, u32le, type FormatReader, type ParseContext } from './context.js';
import type { CaptureRecord } from './record.js';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const OPB = 2;
const SPB = 3;
const EPB = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Enough to read type, length and (for an SHB) the byte-order magic. */
const BLOCK_PEEK = 12;
/** libpcap's INITIAL_MAX_BLOCKSIZE: a longer block is taken as a corrupt length. */
const MAX_BLOCK = 16 * 1024 * 1024;

// How an interface's tick counts become seconds + nanoseconds (see TimestampConverter).
const TS_DECIMAL = 0; // 10^-k, k <= 9: rem * 10^(9-k)
const TS_BINARY = 1; // 2^-k, k <= 23: rem * 1e9 / 2^k is exact in a double (and units <= 2^31)
const TS_BIGINT = 2; // anything finer: rare, so BigInt per packet is acceptable

const TWO32 = 4294967296;
/**
 * Interfaces kept per section. Real captures declare a few (tcpdump -i any on a host with many
 * veths: hundreds); 20 bytes per IDB would otherwise let a small file hold millions.
 */
export const MAX_INTERFACES = 65536;
/** Undeclared interface ids remembered per section for "reported once per id". */
const MAX_WARNED_IDS = 1024;

function blockName(type: number): string {
  switch (type) {
    case SHB: return 'section header block';
    case IDB: return 'interface description block';
    case OPB: return 'packet block';
    case SPB: return 'simple packet block';
    case EPB: return 'enhanced packet block';
    default: return `block of type 0x${type.toString(16)}`;
  }
}

/**
 * pcapng state machine: sections in either byte order, IDB (link type, snaplen, if_tsresol,
 * if_tsoffset), EPB, SPB, OPB; every other block is skipped by its length.
 */
export class PcapngReader implements FormatReader {
  need = BLOCK_PEEK;
  started = false;
  private le = true;
  private readonly maxBlock: number;
  // Per-interface state of the current section, in parallel arrays (reset by each SHB).
  private ifLink: number[] = [];
  private ifSnap: number[] = [];
  private ifMode: number[] = [];
  private ifUnits: number[] = [];
  private ifMul: number[] = [];
  private ifOffset: number[] = [];
  private warnedIds = new Set<number>();
  /** This section declared MAX_INTERFACES already: later IDBs are ignored. */
  private interfacesFull = false;
  private sections = 0;
  private warnedCaplen = false;
  private readonly ts = new TimestampConverter();

  constructor(private readonly ctx: ParseContext) {
    this.maxBlock = Math.max(MAX_BLOCK, (ctx.maxCaptureLength ?? 0) + 4096);
  }

  parse(b: Uint8Array, start: number, end: number, base: number): number {
    const ctx = this.ctx;
    let p = start;
    for (;;) {
      const avail = end - p;
      if (avail < BLOCK_PEEK) {
        this.need = BLOCK_PEEK;
        return p;
      }
      let le = this.le;
      const type = le ? u32le(b, p) : u32be(b, p);
      if (type === SHB) {
        // The SHB type reads the same in both orders; its byte-order magic says which follows.
        const bom = u32le(b, p + 8);
        if (bom === BYTE_ORDER_MAGIC) le = true;
        else if (bom === 0x4d3c2b1a) le = false;
        else {
          ctx.issue('bad_byte_order_magic', base + p + 8, `section header at byte ${base + p}: byte-order magic ${hex(b, p + 8, 4)} is neither 1a2b3c4d nor 4d3c2b1a`, true);
          return p;
        }
        this.le = le;
      } else if (!this.started) {
        ctx.issue('not_a_capture', base + p, 'pcapng stream does not start with a section header block', true);
        return p;
      }
      const len = le ? u32le(b, p + 4) : u32be(b, p + 4);
      const minLen = type === SHB ? 28 : 12;
      if (len < minLen || len % 4 !== 0 || len > this.maxBlock) {
        const why = len < minLen ? `below the minimum of ${minLen}` : len % 4 !== 0 ? 'not a multiple of 4' : `above the maximum of ${this.maxBlock}`;
        ctx.issue('bad_block_length', base + p, `${blockName(type)} at byte ${base + p}: total length ${len} is ${why}`, true);
        return p;
      }
      if (avail < len) {
        this.need = len;
        return p;
      }
      const trail = le ? u32le(b, p + len - 4) : u32be(b, p + len - 4);
      if (trail !== len) {
        ctx.issue('bad_block_length', base + p, `${blockName(type)} at byte ${base + p}: trailing length ${trail} differs from leading length ${len}`, true);
        return p;
      }
      if (type === EPB) {
        if (!this.packet(b, p, len, base, le ? u32le(b, p + 8) : u32be(b, p + 8))) return p;
      } else if (type === SPB) {
        if (!this.simplePacket(b, p, len, base)) return p;
      } else if (type === IDB) {
        if (!this.interface(b, p, len, base)) return p;
      } else if (type === SHB) {
        if (!this.section(b, p, base)) return p;
      } else if (type === OPB) {
        // OPB (obsolete): 16-bit interface id and drop count where the EPB has its 32-bit id.
        if (!this.packet(b, p, len, base, le ? u16le(b, p + 8) : u16be(b, p + 8))) return p;
      }
      p += len;
    }
  }

  reportCut(b: Uint8Array, have: number, at: number): void {
    const part = have < BLOCK_PEEK ? `header: have ${have} of ${BLOCK_PEEK} bytes` : `have ${have} of ${this.need} bytes`;
    let msg: string;
    if (have < 4) msg = `capture cut at byte ${at} inside a block (${part})`;
    else {
      const type = this.le ? u32le(b, 0) : u32be(b, 0);
      msg =
        type === EPB || type === SPB || type === OPB
          ? `capture cut at byte ${at} inside record ${this.ctx.frames + 1} (${blockName(type)}, ${part})`
          : `capture cut at byte ${at} inside ${type === IDB ? 'an' : 'a'} ${blockName(type)} (${part})`;
    }
    // Before the first complete section header there is no capture at all: fatal, as for a
    // cut pcap file header.
    this.ctx.issue('truncated_record', at, msg, !this.started);
  }

  private section(b: Uint8Array, p: number, base: number): boolean {
    const le = this.le;
    const major = le ? u16le(b, p + 12) : u16be(b, p + 12);
    const minor = le ? u16le(b, p + 14) : u16be(b, p + 14);
    if (major !== 1) {
      this.ctx.issue('unsupported_version', base + p + 12, `section header at byte ${base + p}: unsupported pcapng version ${major}.${minor} (supported: 1.x)`, true);
      return false;
    }
    if (this.sections === 0) this.ctx.bigEndian = !le;
    this.sections++;
    this.started = true;
    this.ifLink.length = 0;
    this.ifSnap.length = 0;
    this.ifMode.length = 0;
    this.ifUnits.length = 0;
    this.ifMul.length = 0;
    this.ifOffset.length = 0;
    this.warnedIds.clear();
    this.interfacesFull = false;
    return true;
  }

  private interface(b: Uint8Array, p: number, len: number, base: number): boolean {
    const ctx = this.ctx;
    const le = this.le;
    if (len < 20) {
      ctx.issue('bad_block_length', base + p, `interface description block at byte ${base + p}: total length ${len} is below the minimum of 20`, true);
      return false;
    }
    if (this.ifLink.length >= MAX_INTERFACES) {
      if (!this.interfacesFull) {
        this.interfacesFull = true;
        ctx.issue('too_many_interfaces', base + p, `interface description block at byte ${base + p}: more than ${MAX_INTERFACES} interfaces in one section; it and the later ones of the section are ignored, with their packets`, false);
      }
      return true;
    }
    const link = le ? u16le(b, p + 8) : u16be(b, p + 8);
    const snap = le ? u32le(b, p + 12) : u32be(b, p + 12);
    let mode = TS_DECIMAL;
    let units = 1e6;
    let mul = 1000;
    let offset = 0;
    // Options: code(2) length(2) value padded to 4; stop at opt_endofopt or the trailer.
    let o = p + 16;
    const oend = p + len - 4;
    while (o + 4 <= oend) {
      const code = le ? u16le(b, o) : u16be(b, o);
      const olen = le ? u16le(b, o + 2) : u16be(b, o + 2);
      if (code === 0) break;
      if (o + 4 + olen > oend) break;
      if (code === 9 && olen >= 1) {
        const v = b[o + 4]!;
        const k = v & 0x7f;
        if (v & 0x80) {
          if (k > 63) return this.badResolution(v, base + o);
          units = 2 ** k;
          mode = k <= 23 ? TS_BINARY : TS_BIGINT;
        } else {
          if (k > 19) return this.badResolution(v, base + o);
          units = 10 ** k;
          mode = k <= 9 ? TS_DECIMAL : TS_BIGINT;
          mul = k <= 9 ? 10 ** (9 - k) : 0;
        }
      } else if (code === 14 && olen >= 8) {
        // if_tsoffset: signed 64-bit seconds; a double holds any plausible value exactly.
        const lo = le ? u32le(b, o + 4) : u32be(b, o + 8);
        const hi = le ? u32le(b, o + 8) : u32be(b, o + 4);
        offset = (hi | 0) * TWO32 + lo;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    if (this.ifLink.length === 0 && ctx.linkTypes.length === 0) {
      ctx.snaplen = snap;
      ctx.nanosecond = units > 1e6;
    }
    this.ifLink.push(link);
    this.ifSnap.push(snap);
    this.ifMode.push(mode);
    this.ifUnits.push(units);
    this.ifMul.push(mul);
    this.ifOffset.push(offset);
    ctx.addLinkType(link);
    return true;
  }

  private badResolution(v: number, offset: number): boolean {
    this.ctx.issue('bad_tsresol', offset, `interface description block: if_tsresol 0x${v.toString(16)} is finer than pcapng allows (2^-63 or 10^-19)`, true);
    return false;
  }

  /** EPB and OPB share the layout after the interface id: ts hi, ts lo, caplen, origlen, data. */
  private packet(b: Uint8Array, p: number, len: number, base: number, id: number): boolean {
    const ctx = this.ctx;
    const le = this.le;
    if (len < 32) {
      ctx.issue('bad_block_length', base + p, `${blockName(le ? u32le(b, p) : u32be(b, p))} at byte ${base + p}: total length ${len} is below the minimum of 32`, true);
      return false;
    }
    if (id >= this.ifLink.length) {
      this.unknownInterface(id, base + p);
      return true;
    }
    const caplen = le ? u32le(b, p + 20) : u32be(b, p + 20);
    const origlen = le ? u32le(b, p + 24) : u32be(b, p + 24);
    const room = len - 32;
    const max = ctx.maxCaptureLength ?? maxSnaplenForLinkType(this.ifLink[id]!);
    if (caplen > room || caplen > max) {
      ctx.issue(
        'bad_caplen',
        base + p,
        `record ${ctx.frames + 1} at byte ${base + p}: captured length ${caplen} exceeds ` +
          (caplen > room ? `the ${room} bytes of its block` : `the maximum of ${max}`),
        true,
      );
      return false;
    }
    if (origlen < caplen && !this.warnedCaplen) {
      this.warnedCaplen = true;
      ctx.issue('origlen_below_caplen', base + p, `record ${ctx.frames + 1} at byte ${base + p}: original length ${origlen} is below the captured length ${caplen} (kept; reported once)`, false);
    }
    const hi = le ? u32le(b, p + 12) : u32be(b, p + 12);
    const lo = le ? u32le(b, p + 16) : u32be(b, p + 16);
    const rec = ctx.rec;
    this.ts.convert(rec, hi, lo, this.ifMode[id]!, this.ifUnits[id]!, this.ifMul[id]!);
    if (this.ifOffset[id] !== 0) rec.tsSeconds += this.ifOffset[id]!;
    rec.frameNumber = ++ctx.frames;
    rec.linkType = this.ifLink[id]!;
    rec.interfaceId = id;
    rec.capturedLength = caplen;
    rec.originalLength = origlen;
    rec.data = b;
    rec.offset = p + 28;
    rec.fileOffset = base + p;
    ctx.sink.onRecord(rec);
    return true;
  }

  private simplePacket(b: Uint8Array, p: number, len: number, base: number): boolean {
    const ctx = this.ctx;
    if (len < 16) {
      ctx.issue('bad_block_length', base + p, `simple packet block at byte ${base + p}: total length ${len} is below the minimum of 16`, true);
      return false;
    }
    if (this.ifLink.length === 0) {
      this.unknownInterface(0, base + p);
      return true;
    }
    const origlen = this.le ? u32le(b, p + 8) : u32be(b, p + 8);
    const snap = this.ifSnap[0]!;
    // The SPB has no caplen: it is whatever of the packet fits the snaplen, padding aside.
    let caplen = snap !== 0 && snap < origlen ? snap : origlen;
    if (caplen > len - 16) caplen = len - 16;
    const rec = ctx.rec;
    rec.frameNumber = ++ctx.frames;
    rec.tsSeconds = 0;
    rec.tsNanos = 0;
    rec.linkType = this.ifLink[0]!;
    rec.interfaceId = 0;
    rec.capturedLength = caplen;
    rec.originalLength = origlen;
    rec.data = b;
    rec.offset = p + 12;
    rec.fileOffset = base + p;
    ctx.sink.onRecord(rec);
    return true;
  }

  private unknownInterface(id: number, offset: number): void {
    if (this.warnedIds.has(id)) return;
    // Past the bound every packet naming an unknown id counts as a warning (capped by the context).
    if (this.warnedIds.size < MAX_WARNED_IDS) this.warnedIds.add(id);
    const n = this.ifLink.length;
    const declared = n === 0 ? 'no interface' : n === 1 ? 'only interface 0' : `interfaces 0 to ${n - 1}`;
    this.ctx.issue(
      'unknown_interface',
      offset,
      `packet block at byte ${offset} refers to interface ${id}, but the section declares ${declared}; its packets are skipped (reported once per id)`,
      false,
    );
  }
}

/**
 * Ticks (hi * 2^32 + lo) at `units` per second -> whole seconds + nanoseconds, exactly.
 * 64-bit tick counts exceed 2^53 (ns since 1970 ~ 2^60.6), so hi * 2^32 is divided once per
 * distinct `hi` (a long division in base 2^16, every partial remainder below units * 2^16 <= 2^47)
 * and cached: `hi` changes every 4.3 s at ns resolution, so a packet costs one small division.
 */
export class TimestampConverter {
  private hi = -1;
  private units = 0;
  /** hi * 2^32 = hiSec * units + hiRem, for the cached hi/units. */
  private hiSec = 0;
  private hiRem = 0;

  convert(rec: CaptureRecord, hi: number, lo: number, mode: number, units: number, mul: number): void {
    if (mode === TS_BIGINT) {
      const ticks = (BigInt(hi) << 32n) | BigInt(lo);
      const u = BigInt(units);
      rec.tsSeconds = Number(ticks / u);
      rec.tsNanos = Number(((ticks % u) * 1_000_000_000n) / u);
      return;
    }
    if (hi !== this.hi || units !== this.units) this.divideHigh(hi, units);
    let sec = this.hiSec;
    let rem = this.hiRem + lo; // < units + 2^32: exact
    if (rem >= units) {
      const q = Math.floor(rem / units);
      sec += q;
      rem -= q * units;
    }
    rec.tsSeconds = sec;
    rec.tsNanos = mode === TS_DECIMAL ? rem * mul : Math.floor((rem * 1_000_000_000) / units);
  }

  private divideHigh(hi: number, units: number): void {
    // Digits of hi * 2^32 in base 2^16: (hi >>> 16), (hi & 0xffff), 0, 0.
    let r = hi >>> 16;
    const q3 = Math.floor(r / units);
    r = (r - q3 * units) * 65536 + (hi & 0xffff);
    const q2 = Math.floor(r / units);
    r = (r - q2 * units) * 65536;
    const q1 = Math.floor(r / units);
    r = (r - q1 * units) * 65536;
    const q0 = Math.floor(r / units);
    this.hiRem = r - q0 * units;
    this.hiSec = ((q3 * 65536 + q2) * 65536 + q1) * 65536 + q0;
    this.hi = hi;
    this.units = units;
  }
}

function hex(b: Uint8Array, p: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += b[p + i]!.toString(16).padStart(2, '0');
  return s;
}
