/**
 * The library behind the lvs-pcap command line: everything the CLI does, callable directly
 * (tests do). `checkCaptures()` is the main entry point; the readers, decoders and rules are
 * exported for tools that want one layer only.
 */
export { checkCaptures, type CheckOptions } from './check/check.js';
export type * from './result/result.js';
export type { GivenTopology, VirtualService, RealServer } from './topology/topology.js';
export { buildGivenTopology } from './topology/build.js';
export { parseIpvsadm } from './topology/ipvsadm.js';
export { parseConfig, topologyToConfig } from './topology/config.js';
export { UsageError } from './topology/usage-error.js';
export { readCapture, readCaptureBuffer, CaptureOpenError, CaptureParser, CaptureRecord } from './capture/index.js';
export { decodeFrame } from './decode/decoder.js';
export { DecodedFrame } from './decode/frame.js';
export { rules, findRule } from './rules/index.js';
