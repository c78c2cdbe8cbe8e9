import type { DecodedFrame, LayerId } from './frame.js';

/**
 * Shared by the protocol decoders. A decoder returns the offset where the next layer starts,
 * or STOP when there is nothing more to decode (end of the headers we know, a cut or a bad
 * header). Only the first anomaly names `weird`, as Zeek reports the first weird of a packet.
 */
export const STOP = -1;

/** The captured bytes end inside this layer's header. */
export function markTruncated(f: DecodedFrame, layer: LayerId, weird: string): number {
  if (!f.truncated) {
    f.truncated = true;
    f.truncatedLayer = layer;
  }
  if (f.weird === '') f.weird = weird;
  return STOP;
}

/** The header cannot be right; the caller decides whether decoding goes on. */
export function markMalformed(f: DecodedFrame, layer: LayerId, weird: string): number {
  if (!f.malformed) {
    f.malformed = true;
    f.malformedLayer = layer;
  }
  if (f.weird === '') f.weird = weird;
  return STOP;
}

/** 48-bit MAC at d[o..o+6) as a number; callers have checked the bounds. */
export function readMac(d: Uint8Array, o: number): number {
  return ((d[o]! << 8) | d[o + 1]!) * 0x100000000 + (((d[o + 2]! << 24) | (d[o + 3]! << 16) | (d[o + 4]! << 8) | d[o + 5]!) >>> 0);
}

export function readU32(d: Uint8Array, o: number): number {
  return ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
}
