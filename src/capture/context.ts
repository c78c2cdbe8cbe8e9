import { CaptureRecord, type CaptureIssue } from './record.js';

/** Receives what a reader finds, synchronously, in stream order. */
export interface CaptureSink {
  /** `rec` and the bytes it points at are reused: valid only until this call returns. */
  onRecord(rec: CaptureRecord): void;
  onIssue(issue: CaptureIssue): void;
}

export interface CaptureSummary {
  format: 'pcap' | 'pcapng' | 'unknown';
  /** pcap: nanosecond magic. pcapng: the first interface's resolution is finer than 1 µs. */
  nanosecond: boolean;
  /** Byte order of the file header (pcapng: of the first section). */
  bigEndian: boolean;
  /** Distinct link types in order of first appearance (pcap header / pcapng IDBs). */
  linkTypes: number[];
  /** pcap: header snaplen. pcapng: snaplen of the first interface. 0 when unknown. */
  snaplen: number;
  /** Records delivered to onRecord. */
  frames: number;
  /** Bytes of the (decompressed) stream pushed into the parser. */
  bytes: number;
  issues: CaptureIssue[];
  /** Clean end of input at a record boundary, after a valid header, with no fatal issue. */
  complete: boolean;
}

/**
 * Warnings of one code listed per capture; the rest are counted into one closing warning.
 * Without it a 175 KB file of repeated section headers makes a million warnings (177 MB of stderr).
 */
export const MAX_ISSUES_PER_CODE = 10;

/** Warnings of one code past MAX_ISSUES_PER_CODE: how many, and where the first of them was. */
interface HeldBack {
  count: number;
  offset: number;
}

/**
 * State shared by the parser and the format state machine it drives: one record object,
 * the frame counter (continues across pcapng sections) and the issue list.
 */
export class ParseContext {
  readonly rec = new CaptureRecord();
  frames = 0;
  dead = false;
  readonly issues: CaptureIssue[] = [];
  readonly linkTypes: number[] = [];
  private readonly linkTypeSet = new Set<number>();
  private readonly issuesByCode = new Map<string, number>();
  private readonly heldBack = new Map<string, HeldBack>();
  snaplen = 0;
  nanosecond = false;
  bigEndian = false;

  constructor(
    readonly sink: CaptureSink,
    /** Explicit cap on captured lengths; undefined = libpcap's per-link-type maximum. */
    readonly maxCaptureLength: number | undefined,
  ) {}

  /** Reports an issue; past MAX_ISSUES_PER_CODE warnings of its code it is only counted. */
  issue(code: string, offset: number, message: string, fatal: boolean): void {
    if (this.dead) return;
    if (!fatal) {
      const listed = this.issuesByCode.get(code) ?? 0;
      if (listed >= MAX_ISSUES_PER_CODE) {
        const held = this.heldBack.get(code);
        if (held === undefined) this.heldBack.set(code, { count: 1, offset });
        else held.count++;
        return;
      }
      this.issuesByCode.set(code, listed + 1);
    }
    const issue: CaptureIssue = { code, offset, message, fatal };
    this.issues.push(issue);
    if (fatal) this.dead = true;
    this.sink.onIssue(issue);
  }

  /** Closes the issue list: one warning per code that had more than the cap, with the count. */
  reportHeldBack(): void {
    for (const [code, held] of this.heldBack) {
      const issue: CaptureIssue = {
        code,
        offset: held.offset,
        message: `${held.count} more ${code} warning${held.count === 1 ? '' : 's'} like the ones above ${held.count === 1 ? 'was' : 'were'} not listed (the first of them at byte ${held.offset})`,
        fatal: false,
      };
      this.issues.push(issue);
      this.sink.onIssue(issue);
    }
    this.heldBack.clear();
  }

  addLinkType(linkType: number): void {
    // A Set for the test: a file of IDBs cycling through every 16-bit link type made the
    // array's includes() quadratic.
    if (this.linkTypeSet.has(linkType)) return;
    this.linkTypeSet.add(linkType);
    this.linkTypes.push(linkType);
  }
}

/**
 * A format state machine. `parse` consumes every complete unit (file header, record, block) in
 * buf[start, end) and returns the index of the first unconsumed byte; it then sets `need` to the
 * total size of the unit that starts there (always more than end - returned index), after
 * validating any length it read, so the caller never buffers more than one checked unit.
 */
export interface FormatReader {
  need: number;
  /** `base` = stream offset of buf[0]. */
  parse(buf: Uint8Array, start: number, end: number, base: number): number;
  /** The input ended with `have` bytes of the pending unit, starting at stream offset `at`. */
  reportCut(buf: Uint8Array, have: number, at: number): void;
  /** A file header was read: an input ending now is a valid (possibly empty) capture. */
  readonly started: boolean;
}

/** libpcap's max_snaplen_for_dlt(): larger captured lengths mean a damaged file. */
export function maxSnaplenForLinkType(linkType: number): number {
  switch (linkType) {
    case 231: // DBUS
      return 128 * 1024 * 1024;
    case 279: // EBHSCR
      return 8 * 1024 * 1024;
    case 249: // USBPCAP
      return 1024 * 1024;
    default:
      return 262144;
  }
}

export function u32le(b: Uint8Array, p: number): number {
  return ((b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000);
}

export function u32be(b: Uint8Array, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

export function u16le(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8);
}

export function u16be(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}
