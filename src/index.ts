/**
 * The library behind the lvs-pcap command line: everything the CLI does, callable directly
 * (tests do). `checkCaptures()` is the main entry point; the readers, decoders and rules are
 * exported for tools that want one layer only.
 */
export { checkCaptures, type CheckOptions } from './engine/check.js';
export type * from './engine/result.js';
export type { GivenTopology, VirtualService, RealServer } from './engine/topology.js';
export { buildGivenTopology } from './engine/given.js';
export { parseIpvsadm } from './engine/ipvsadm.js';
export { parseConfig, topologyToConfig } from './engine/config.js';
export { UsageError } from './engine/usage-error.js';
export { readCapture, readCaptureBuffer, CaptureOpenError, CaptureParser, CaptureRecord } from './capture/index.js';
export { decodeFrame } from './decode/decoder.js';
export { DecodedFrame } from './decode/frame.js';
export { rules, findRule } from './rules/index.js';
