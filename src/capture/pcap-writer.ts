/**
 * Classic pcap output (little-endian, version 2.4): evidence files, test fixtures, bench data.
 *
 * Two ways in: the pure `encodePcap` / `encodePcapInto` for small in-memory captures, and the
 * streaming `PcapWriter`, which copies every frame into its own buffer at once. The copy is the
 * point: `--write-evidence` hands it frames from inside the reader's callback, where the bytes are
 * overwritten by the next record, so nothing may be kept by reference.
 */
import { closeSync, createWriteStream, writeSync } from 'node:fs';
import { finished, type Writable } from 'node:stream';
import type { CaptureRecord } from './record.js';

export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOS = 0xa1b23c4d;
export const PCAP_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;
export const LINKTYPE_ETHERNET = 1;
/** What tcpdump has used by default since 4.99: larger than any frame a NIC hands it. */
export const DEFAULT_SNAPLEN = 262144;

export type PcapResolution = 'micro' | 'nano';

export interface PcapWriterOptions {
  /** LINKTYPE_* written in the file header; default 1 (Ethernet). */
  linkType?: number;
  /** Snapshot length in the file header; frames longer than this are cut to it. Default 262144. */
  snaplen?: number;
  /**
   * Timestamp resolution (which magic). Default 'micro', which every tool reads; choose 'nano'
   * to keep a nanosecond source exact. Micro truncates (never rounds) so a frame cannot move
   * into the next second or ahead of the frame after it.
   */
  resolution?: PcapResolution;
}

/** One frame of `encodePcap`: the captured bytes are all of `data` (cut to the snaplen). */
export interface PcapFrame {
  tsSeconds: number;
  /** 0..999,999,999 */
  tsNanos: number;
  data: Uint8Array;
  /** Wire length; defaults to `data.length`. */
  originalLength?: number;
}

interface ResolvedOptions {
  linkType: number;
  snaplen: number;
  nanos: boolean;
}

function resolveOptions(options: PcapWriterOptions | undefined): ResolvedOptions {
  const linkType = options?.linkType ?? LINKTYPE_ETHERNET;
  const snaplen = options?.snaplen ?? DEFAULT_SNAPLEN;
  const resolution = options?.resolution ?? 'micro';
  // Programming errors, not capture content: fail loudly rather than write a file no reader accepts.
  if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0xffff) {
    throw new RangeError(`linkType ${linkType} is not an integer in 0..65535`);
  }
  if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > 0x7fffffff) {
    throw new RangeError(`snaplen ${snaplen} is not an integer in 1..2147483647`);
  }
  if (resolution !== 'micro' && resolution !== 'nano') {
    throw new RangeError(`resolution ${String(resolution)} is not 'micro' or 'nano'`);
  }
  return { linkType, snaplen, nanos: resolution === 'nano' };
}

function putU32(buf: Uint8Array, pos: number, v: number): void {
  buf[pos] = v & 0xff;
  buf[pos + 1] = (v >>> 8) & 0xff;
  buf[pos + 2] = (v >>> 16) & 0xff;
  buf[pos + 3] = (v >>> 24) & 0xff;
}

function putHeader(buf: Uint8Array, pos: number, o: ResolvedOptions): void {
  putU32(buf, pos, o.nanos ? PCAP_MAGIC_NANOS : PCAP_MAGIC_MICROS);
  buf[pos + 4] = 2; // version 2.4, as u16 + u16
  buf[pos + 5] = 0;
  buf[pos + 6] = 4;
  buf[pos + 7] = 0;
  putU32(buf, pos + 8, 0); // thiszone
  putU32(buf, pos + 12, 0); // sigfigs
  putU32(buf, pos + 16, o.snaplen);
  putU32(buf, pos + 20, o.linkType);
}

/**
 * Writes one record (header + bytes) at `pos`; returns the position after it. The caller has
 * checked the bounds and the room for PCAP_RECORD_HEADER_LENGTH + min(capturedLength, snaplen).
 */
function putRecord(
  buf: Uint8Array,
  pos: number,
  o: ResolvedOptions,
  tsSeconds: number,
  tsNanos: number,
  bytes: Uint8Array,
  offset: number,
  capturedLength: number,
  originalLength: number,
): number {
  const caplen = capturedLength < o.snaplen ? capturedLength : o.snaplen;
  putU32(buf, pos, tsSeconds >>> 0);
  putU32(buf, pos + 4, o.nanos ? tsNanos >>> 0 : Math.floor(tsNanos / 1000));
  putU32(buf, pos + 8, caplen);
  // Kept as given, even below caplen: an evidence file should show the source's oddity, not hide it.
  putU32(buf, pos + 12, originalLength >>> 0);
  buf.set(bytes.subarray(offset, offset + caplen), pos + PCAP_RECORD_HEADER_LENGTH);
  return pos + PCAP_RECORD_HEADER_LENGTH + caplen;
}

function checkFrameBounds(bytes: Uint8Array, offset: number, capturedLength: number): void {
  if (
    !Number.isInteger(offset) ||
    !Number.isInteger(capturedLength) ||
    offset < 0 ||
    capturedLength < 0 ||
    offset + capturedLength > bytes.length
  ) {
    throw new RangeError(
      `frame bytes [${offset}, ${offset + capturedLength}) outside a buffer of ${bytes.length} bytes`,
    );
  }
}

/** The 24-byte file header. */
export function encodePcapHeader(options?: PcapWriterOptions): Uint8Array {
  const buf = new Uint8Array(PCAP_HEADER_LENGTH);
  putHeader(buf, 0, resolveOptions(options));
  return buf;
}

/** Exact size `encodePcap` produces for these frames. */
export function pcapSize(frames: readonly PcapFrame[], options?: PcapWriterOptions): number {
  const o = resolveOptions(options);
  let size = PCAP_HEADER_LENGTH;
  for (const f of frames) size += PCAP_RECORD_HEADER_LENGTH + Math.min(f.data.length, o.snaplen);
  return size;
}

/** Encodes header + frames into `out` at `offset`; returns the number of bytes written. */
export function encodePcapInto(
  frames: readonly PcapFrame[],
  out: Uint8Array,
  offset: number,
  options?: PcapWriterOptions,
): number {
  const o = resolveOptions(options);
  const size = pcapSize(frames, options);
  if (!Number.isInteger(offset) || offset < 0 || offset + size > out.length) {
    throw new RangeError(`need ${size} bytes at offset ${offset}, buffer has ${out.length}`);
  }
  putHeader(out, offset, o);
  let pos = offset + PCAP_HEADER_LENGTH;
  for (const f of frames) {
    pos = putRecord(out, pos, o, f.tsSeconds, f.tsNanos, f.data, 0, f.data.length, f.originalLength ?? f.data.length);
  }
  return pos - offset;
}

/** A whole classic pcap file in memory. */
export function encodePcap(frames: readonly PcapFrame[], options?: PcapWriterOptions): Uint8Array {
  const out = new Uint8Array(pcapSize(frames, options));
  encodePcapInto(frames, out, 0, options);
  return out;
}

const CHUNK = 1 << 20;

/**
 * Streaming writer over a Node Writable or a file descriptor.
 *
 * Every write copies the frame into an internal 1 MiB buffer before returning, so callers may pass
 * the reader's reusable buffer. Full buffers go to the target: a Writable receives the buffer itself
 * (and a fresh one is allocated, since the stream may still hold it), a descriptor is written
 * synchronously. Writes never wait for the stream, because they happen inside synchronous read
 * callbacks; the stream's errors are remembered and make `close()` reject. A descriptor's write
 * errors (ENOSPC...) throw from the write that flushes.
 */
export class PcapWriter {
  readonly linkType: number;
  readonly snaplen: number;
  readonly resolution: PcapResolution;
  /** Records accepted so far. */
  framesWritten = 0;
  /** File bytes produced so far, header included (flushed or still buffered). */
  bytesWritten = PCAP_HEADER_LENGTH;

  private readonly o: ResolvedOptions;
  private readonly target: Writable | number;
  private readonly ownsFd: boolean;
  private buf: Uint8Array;
  private pos: number;
  private closed = false;
  private error: Error | null = null;

  /**
   * @param target a Writable (ended by `close()`) or an open file descriptor, closed by `close()`
   *   only when `ownsFd` is true (so fd 1 can be written without being closed).
   */
  constructor(target: Writable | number, options?: PcapWriterOptions, ownsFd = false) {
    this.o = resolveOptions(options);
    this.linkType = this.o.linkType;
    this.snaplen = this.o.snaplen;
    this.resolution = this.o.nanos ? 'nano' : 'micro';
    this.target = target;
    this.ownsFd = ownsFd;
    if (typeof target !== 'number') {
      target.on('error', (err: Error) => {
        this.error ??= err;
      });
    }
    this.buf = new Uint8Array(CHUNK);
    putHeader(this.buf, 0, this.o);
    this.pos = PCAP_HEADER_LENGTH;
  }

  /** Creates or truncates `path`; a path that cannot be opened makes `close()` reject. */
  static toFile(path: string, options?: PcapWriterOptions): PcapWriter {
    return new PcapWriter(createWriteStream(path), options);
  }

  /**
   * Copies the current record; call it inside the reader's callback. Returns false, writing
   * nothing, when the record's link type is not the file's: a classic pcap has one link type, and
   * a pcapng source can mix several (open one writer per link type for those).
   */
  write(rec: CaptureRecord): boolean {
    if (rec.linkType !== this.o.linkType) return false;
    this.writeFrame(rec.tsSeconds, rec.tsNanos, rec.data, rec.offset, rec.capturedLength, rec.originalLength);
    return true;
  }

  /** Copies `bytes[offset, offset + capturedLength)` as one record (cut to the snaplen). */
  writeFrame(
    tsSeconds: number,
    tsNanos: number,
    bytes: Uint8Array,
    offset: number,
    capturedLength: number,
    originalLength: number = capturedLength,
  ): void {
    if (this.closed) throw new Error('PcapWriter: write after close()');
    checkFrameBounds(bytes, offset, capturedLength);
    const need = PCAP_RECORD_HEADER_LENGTH + Math.min(capturedLength, this.o.snaplen);
    if (this.pos + need > this.buf.length) {
      this.flush();
      // A frame bigger than a chunk (jumbo snaplen) gets a buffer of its own.
      if (need > this.buf.length) this.buf = new Uint8Array(need);
    }
    this.pos = putRecord(this.buf, this.pos, this.o, tsSeconds, tsNanos, bytes, offset, capturedLength, originalLength);
    this.framesWritten++;
    this.bytesWritten += need;
  }

  /** Hands the buffered bytes to the target now. */
  flush(): void {
    if (this.pos === 0) return;
    if (typeof this.target === 'number') {
      let done = 0;
      while (done < this.pos) done += writeSync(this.target, this.buf, done, this.pos - done);
      this.pos = 0;
      return;
    }
    this.target.write(this.buf.subarray(0, this.pos));
    this.buf = new Uint8Array(CHUNK);
    this.pos = 0;
  }

  /** Flushes and ends the target; rejects with the first error the target reported. */
  close(): Promise<void> {
    if (this.closed) return this.error ? Promise.reject(this.error) : Promise.resolve();
    const target = this.target;
    if (typeof target === 'number') {
      this.flush();
      this.closed = true;
      if (this.ownsFd) closeSync(target);
      return Promise.resolve();
    }
    this.flush();
    this.closed = true;
    return new Promise<void>((resolve, reject) => {
      // finished() also reports an open that failed before anything was written (ENOENT, EACCES).
      finished(target, (err) => {
        const first = this.error ?? err ?? null;
        this.error = first;
        if (first) reject(first);
        else resolve();
      });
      target.end();
    });
  }
}
