/**
 * The same frame seen at two capture points is one packet seen twice. When several captures
 * are merged, a frame whose network-layer bytes and sender MAC equal those of a frame from
 * another capture within a second is dropped from the analysis (the first sighting stays the
 * evidence). A director's copy is never taken for its original: its source MAC differs, and on
 * current kernels its TTL too.
 */
import type { DecodedFrame } from '../decode/frame.js';
import { LinkType } from '../decode/decoder.js';

const WINDOW_SECONDS = 1.0;

interface Sighting {
  key: number;
  capture: number;
  time: number;
  length: number;
  sender: number;
}

export class DuplicateFilter {
  private readonly seen = new Map<number, Sighting>();
  private readonly order: Sighting[] = [];
  private head = 0;
  duplicates = 0;

  /** True when this frame was already seen at another capture point: skip it. */
  isDuplicate(f: DecodedFrame, capture: number, time: number): boolean {
    this.expire(time);
    const start = networkOffset(f);
    const end = f.offset + f.capturedLength;
    if (start < 0 || start >= end) return false;
    let h = 2166136261;
    const d = f.data;
    for (let i = start; i < end; i++) h = Math.imul(h ^ d[i]!, 16777619);
    h = (h ^ Math.floor(f.ethSrc)) >>> 0;
    const prior = this.seen.get(h);
    if (prior !== undefined && prior.capture !== capture && prior.length === end - start && prior.sender === f.ethSrc && time - prior.time <= WINDOW_SECONDS) {
      this.duplicates++;
      return true;
    }
    const s: Sighting = { key: h, capture, time, length: end - start, sender: f.ethSrc };
    this.seen.set(h, s);
    this.order.push(s);
    return false;
  }

  private expire(now: number): void {
    const limit = now - WINDOW_SECONDS;
    while (this.head < this.order.length && this.order[this.head]!.time < limit) {
      const s = this.order[this.head]!;
      if (this.seen.get(s.key) === s) this.seen.delete(s.key);
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** Where the network layer starts (IP or ARP), whatever the link type; -1 if unknown. */
function networkOffset(f: DecodedFrame): number {
  if (f.ipOffset >= 0) return f.ipOffset;
  if (!f.hasArp) return -1;
  switch (f.linkType) {
    case LinkType.Ethernet:
      return f.offset + 14 + 4 * f.vlanCount;
    case LinkType.LinuxSll:
      return f.offset + 16;
    case LinkType.LinuxSll2:
      return f.offset + 20;
    default:
      return -1;
  }
}
