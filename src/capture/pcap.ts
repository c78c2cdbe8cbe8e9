import { maxSnaplenForLinkType, u16be, u16le, u32be, u32le, type FormatReader, type ParseContext } from './context.js';

const FILE_HEADER = 24;

// Length-field order, as in libpcap's sf-pcap.c: versions before 2.3 (and DG/UX 543.0) wrote
// caplen and len the other way round; some 2.3 writers did, some did not.
const LENGTHS_NORMAL = 0;
const LENGTHS_SWAPPED = 1;
const LENGTHS_MAYBE_SWAPPED = 2;

/**
 * Classic pcap state machine (libpcap savefile format), both byte orders, µs and ns magics and
 * the Kuznetzov "modified" magic (24-byte record headers).
 *
 * Policies, decided against libpcap's sf-pcap.c:
 * - caplen above the allowed maximum (maxCaptureLength, else libpcap's per-link-type maximum,
 *   262144 for most) is fatal `bad_caplen`: the length is garbage and nothing after it can be
 *   trusted. Checked before anything is buffered, so a bogus length allocates nothing.
 * - caplen above a sane snaplen: libpcap reads it, keeps the first snaplen bytes and discards
 *   the rest. We deliver every byte the file holds (a decoder gains from them and tshark shows
 *   them) and report one non-fatal `caplen_over_snaplen` for the first such record.
 * - origlen below caplen (for 2.4 files): delivered as stored, as tshark does; one non-fatal
 *   `origlen_below_caplen` for the first such record.
 */
export class PcapReader implements FormatReader {
  need = FILE_HEADER;
  started = false;
  private le = true;
  private nanoMul = 1000;
  private headerLength = 16;
  private lengths = LENGTHS_NORMAL;
  private linkType = 0;
  private snaplen = 0;
  private sane = 0;
  private maxCaplen = 262144;
  private warnedSnaplen = false;
  private warnedOriglen = false;

  constructor(private readonly ctx: ParseContext) {}

  parse(b: Uint8Array, start: number, end: number, base: number): number {
    const ctx = this.ctx;
    let p = start;
    if (!this.started) {
      if (end - p < FILE_HEADER) {
        this.need = FILE_HEADER;
        return p;
      }
      if (!this.readHeader(b, p, base + p)) return p;
      p += FILE_HEADER;
    }
    const rec = ctx.rec;
    const sink = ctx.sink;
    const le = this.le;
    const hl = this.headerLength;
    const maxCaplen = this.maxCaplen;
    const sane = this.sane;
    const nanoMul = this.nanoMul;
    const lengths = this.lengths;
    for (;;) {
      const avail = end - p;
      if (avail < hl) {
        this.need = hl;
        return p;
      }
      let caplen = le ? u32le(b, p + 8) : u32be(b, p + 8);
      let origlen = le ? u32le(b, p + 12) : u32be(b, p + 12);
      if (lengths !== LENGTHS_NORMAL && (lengths === LENGTHS_SWAPPED || caplen > origlen)) {
        const t = caplen;
        caplen = origlen;
        origlen = t;
      }
      if (caplen > maxCaplen) {
        ctx.issue(
          'bad_caplen',
          base + p,
          `record ${ctx.frames + 1} at byte ${base + p}: captured length ${caplen} exceeds the maximum of ${maxCaplen}` +
            (this.snaplen > 0 && this.snaplen < maxCaplen ? ` (file snaplen ${this.snaplen})` : ''),
          true,
        );
        this.need = hl;
        return p;
      }
      const size = hl + caplen;
      if (avail < size) {
        this.need = size;
        return p;
      }
      if (caplen > sane && !this.warnedSnaplen) this.warnSnaplen(caplen, base + p);
      if (origlen < caplen && !this.warnedOriglen) this.warnOriglen(caplen, origlen, base + p);
      let sec = le ? u32le(b, p) : u32be(b, p);
      let frac = (le ? u32le(b, p + 4) : u32be(b, p + 4)) * nanoMul;
      if (frac >= 1_000_000_000) {
        // Some writers leave the fraction unnormalised; fold whole seconds in like tshark.
        const extra = Math.floor(frac / 1_000_000_000);
        sec += extra;
        frac -= extra * 1_000_000_000;
      }
      rec.frameNumber = ++ctx.frames;
      rec.tsSeconds = sec;
      rec.tsNanos = frac;
      rec.capturedLength = caplen;
      rec.originalLength = origlen;
      rec.data = b;
      rec.offset = p + hl;
      rec.fileOffset = base + p;
      sink.onRecord(rec);
      p += size;
    }
  }

  reportCut(_b: Uint8Array, have: number, at: number): void {
    const ctx = this.ctx;
    if (!this.started) {
      // Fatal: without a whole file header there is no capture at all, and a non-fatal cut
      // would let the caller report an empty but valid capture ("no traffic", exit 0).
      ctx.issue('truncated_record', at, `capture cut at byte ${at} inside the pcap file header (have ${have} of ${FILE_HEADER} bytes)`, true);
      return;
    }
    const n = ctx.frames + 1;
    const hl = this.headerLength;
    const msg =
      have < hl
        ? `capture cut at byte ${at} inside record ${n} (header: have ${have} of ${hl} bytes)`
        : `capture cut at byte ${at} inside record ${n} (body: have ${have - hl} of ${this.need - hl} bytes)`;
    ctx.issue('truncated_record', at, msg, false);
  }

  private readHeader(b: Uint8Array, p: number, offset: number): boolean {
    const ctx = this.ctx;
    const magic = u32be(b, p);
    switch (magic) {
      case 0xa1b2c3d4: this.le = false; break;
      case 0xd4c3b2a1: break;
      case 0xa1b23c4d: this.le = false; this.nanoMul = 1; break;
      case 0x4d3cb2a1: this.nanoMul = 1; break;
      case 0xa1b2cd34: this.le = false; this.headerLength = 24; break;
      case 0x34cdb2a1: this.headerLength = 24; break;
      default:
        // The parser only hands over recognised magics.
        ctx.issue('not_a_capture', offset, `unknown pcap magic 0x${magic.toString(16)}`, true);
        return false;
    }
    const le = this.le;
    const major = le ? u16le(b, p + 4) : u16be(b, p + 4);
    const minor = le ? u16le(b, p + 6) : u16be(b, p + 6);
    // libpcap accepts 2.0-2.4 and DG/UX tcpdump's 543.0.
    if (major === 2 && minor <= 4) {
      this.lengths = minor < 3 ? LENGTHS_SWAPPED : minor === 3 ? LENGTHS_MAYBE_SWAPPED : LENGTHS_NORMAL;
    } else if (major === 543 && minor === 0) {
      this.lengths = LENGTHS_SWAPPED;
    } else {
      ctx.issue('unsupported_version', offset + 4, `unsupported pcap version ${major}.${minor} (supported: 2.0 to 2.4)`, true);
      return false;
    }
    this.snaplen = le ? u32le(b, p + 16) : u32be(b, p + 16);
    const linkField = le ? u32le(b, p + 20) : u32be(b, p + 20);
    // High 16 bits carry the FCS-length and reserved bits (LT_LINKTYPE_EXT), not the type.
    this.linkType = linkField & 0xffff;
    const dltMax = maxSnaplenForLinkType(this.linkType);
    this.maxCaplen = ctx.maxCaptureLength ?? dltMax;
    // libpcap's pcapint_adjust_snapshot(): 0 or oversized snaplen means "the maximum".
    this.sane = this.snaplen === 0 || this.snaplen > dltMax ? dltMax : this.snaplen;
    ctx.rec.linkType = this.linkType;
    ctx.rec.interfaceId = 0;
    ctx.addLinkType(this.linkType);
    ctx.snaplen = this.snaplen;
    ctx.nanosecond = this.nanoMul === 1;
    ctx.bigEndian = !le;
    this.started = true;
    return true;
  }

  private warnSnaplen(caplen: number, offset: number): void {
    this.warnedSnaplen = true;
    this.ctx.issue(
      'caplen_over_snaplen',
      offset,
      `record ${this.ctx.frames + 1} at byte ${offset}: captured length ${caplen} exceeds the file snaplen ${this.sane} (kept; reported once)`,
      false,
    );
  }

  private warnOriglen(caplen: number, origlen: number, offset: number): void {
    this.warnedOriglen = true;
    this.ctx.issue(
      'origlen_below_caplen',
      offset,
      `record ${this.ctx.frames + 1} at byte ${offset}: original length ${origlen} is below the captured length ${caplen} (kept; reported once)`,
      false,
    );
  }
}
