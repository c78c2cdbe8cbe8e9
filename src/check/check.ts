/**
 * The library entry point behind `lvs-pcap check`: read each capture once, decode every
 * frame into one reusable struct, feed the analyzer, and assemble the CheckResult. The CLI is
 * a thin layer over this; tests call it directly.
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import { MAX_ISSUES_PER_CODE } from '../capture/context.js';
import { readCapture } from '../capture/read.js';
import type { ReadCaptureOptions, ReadResult } from '../capture/read.js';
import type { CaptureRecord } from '../capture/record.js';
import { DuplicateFilter } from './duplicates.js';
import { CaptureMerger } from './merge.js';
import { decodeFrame } from '../decode/decoder.js';
import { DecodedFrame } from '../decode/frame.js';
import { rules as allRules } from '../rules/index.js';
import type { Rule } from '../rules/define.js';
import { Analyzer } from './analyzer.js';
import { MAX_ADDRESSES } from '../track/claims.js';
import type { JudgedFlow } from '../judge/judge.js';
import type { CaptureInfo, CheckResult, Finding, Severity, Verdict } from '../result/result.js';
import { SCHEMA_VERSION } from '../result/result.js';
import type { GivenTopology } from '../topology/topology.js';
import { emptyTopology } from '../topology/topology.js';

/** Names of common link types we do not decode, for the warning (tcpdump.org/linktypes.html). */
const LINK_TYPE_NAMES: Record<number, string> = {
  6: 'IEEE 802.5', 9: 'PPP', 10: 'FDDI', 50: 'PPP_HDLC', 104: 'C_HDLC', 105: 'IEEE 802.11', 107: 'Frame Relay',
  119: 'PRISM', 127: 'IEEE 802.11 radiotap', 147: 'USER0', 148: 'USER1', 192: 'PPI', 195: 'IEEE 802.15.4',
  220: 'USB Linux mmapped', 249: 'NETLINK', 254: 'BLUETOOTH_LE_LL', 272: 'NORDIC_BLE',
};

/** Live use: how much of the input the pass has read and holds, polled by `lvs-pcap watch` (metrics). */
export interface LiveState {
  readonly frames: number;
  /** Bytes read from the input (still compressed when it is gzip). */
  readonly bytesRead: number;
  readonly openFlows: number;
  readonly evictedFlows: number;
  /** Capture time (epoch seconds) of the newest frame, 0 before the first. */
  readonly newestFrameTime: number;
  /** Wall-clock time (ms since the epoch) the last chunk of input arrived, 0 before the first. */
  readonly lastInputAt: number;
  /** The time of a recent frame (epoch seconds), NaN when it is no longer remembered. */
  frameTime(capture: number, frame: number): number;
  /** Each VIP's owner now, by its claims. */
  vipOwners(): { vip: string; mac: string; role: 'director' | 'rs' | 'other' }[];
  /** The IP of a real server's MAC, when known. */
  realServerIp(mac: string): string | undefined;
}

/** How often (ms) a live check looks at the claims and the health window between chunks of input. */
const LIVE_TICK_MS = 100;

export interface CheckOptions {
  given?: GivenTopology;
  /** Rules to run (default: all). */
  rules?: readonly Rule[];
  /** Bound of the flow table: past it the oldest flows are judged early (summary.evictedFlows). */
  maxFlows?: number;
  /** Live use: judge as soon as the topology is known and hand each finding over at once. */
  onFinding?: (finding: Finding) => void;
  /** Stops reading (Ctrl-C): what was read so far is judged and reported. */
  signal?: AbortSignal;
  /** Progress per capture, in raw bytes read, with the frames analysed so far (all captures). */
  onProgress?: (capture: number, bytesRead: number, totalBytes: number | undefined, frames: number) => void;
  /**
   * Passing flows to list in `flows`, at most (default 10,000); the rest are only counted
   * (summary.flowsByVerdict, summary.unlistedFlows). 0 when the report shows a count of them
   * only, as the table does without --all-flows: on the 1M-frame bench capture the 10,000
   * reports nobody read cost 9% of the check's time and 23 MB of its peak memory (commit
   * 2a243f9, 2026-11-26).
   */
  passingFlows?: number;
  /** Failing and incomplete flows to list in `flows`, at most (default 50,000; watch lists none). */
  listedFlows?: number;
  /** Findings kept per rule in `findings` (default 10,000); the rest are counted (summary.suppressedFindings). */
  keptFindings?: number;
  /** New connections kept per service for the scheduling rules: the latest this many (default: the first 200,000). */
  keptConnections?: number;
  /** Live use (with onFinding): called with each judged flow. */
  onFlowJudged?: (flow: JudgedFlow) => void;
  /** Live use (with onFinding): each new connection the director forwards, when its copy is seen. */
  onConnection?: (vip: string, port: number, proto: 'tcp' | 'udp', rsMac: string) => void;
  /** Live use (with onFinding): handed the pass's state as reading starts. */
  onStart?: (state: LiveState) => void;
}

export async function checkCaptures(paths: readonly string[], options: CheckOptions = {}): Promise<CheckResult> {
  const analyzer = new Analyzer(options.given ?? emptyTopology(), {
    rules: options.rules ?? allRules,
    labels: [...paths],
    ...(options.maxFlows !== undefined ? { maxFlows: options.maxFlows } : {}),
    ...(options.onFinding ? { eager: true, onFinding: options.onFinding } : {}),
    ...(options.passingFlows !== undefined ? { passingFlows: options.passingFlows } : {}),
    ...(options.listedFlows !== undefined ? { listedFlows: options.listedFlows } : {}),
    ...(options.keptFindings !== undefined ? { keptFindings: options.keptFindings } : {}),
    ...(options.keptConnections !== undefined ? { keptConnections: options.keptConnections } : {}),
    ...(options.onFinding && options.onFlowJudged ? { onFlowJudged: options.onFlowJudged } : {}),
    ...(options.onFinding && options.onConnection ? { onConnection: options.onConnection } : {}),
  });
  const signal = options.signal;
  // Every capture's reader listens for the abort while a read is pending (gunzip's pipeline once
  // more): with a dozen captures Node would warn of a listener leak on stderr.
  if (signal) setMaxListeners(Math.max(getMaxListeners(signal), 10 + 2 * paths.length), signal);
  // Live use: the address rules and the health window are looked at between chunks of input,
  // so a finding in the last frames before a quiet spell is told without waiting for more.
  let bytesRead = 0;
  let lastInputAt = 0;
  const live = options.onFinding !== undefined;
  const tick = live ? setInterval(() => analyzer.live(), LIVE_TICK_MS) : undefined;
  options.onStart?.({
    get frames() {
      return analyzer.frames;
    },
    get bytesRead() {
      return bytesRead;
    },
    get openFlows() {
      return analyzer.openFlows;
    },
    get evictedFlows() {
      return analyzer.evictedFlows;
    },
    get newestFrameTime() {
      return analyzer.newestTime;
    },
    get lastInputAt() {
      return lastInputAt;
    },
    frameTime: (capture, frame) => analyzer.frameTime(capture, frame),
    vipOwners: () => analyzer.vipOwners(),
    realServerIp: (mac) => analyzer.realServerIp(mac),
  });
  /** An interrupted read still counts: report what arrived, with a note instead of the reader's summary. */
  const interrupted = (path: string, capture: number): ReadResult => ({
    path,
    compressed: false,
    format: 'unknown',
    nanosecond: false,
    bigEndian: false,
    linkTypes: [],
    snaplen: 0,
    frames: analyzer.captures[capture]?.frames ?? 0,
    bytes: 0,
    complete: false,
    issues: [{ code: 'interrupted', offset: 0, fatal: false, message: 'interrupted: the report covers the frames read until then' }],
  });
  const read = async (path: string, capture: number, sink: Parameters<typeof readCapture>[1], extra: ReadCaptureOptions): Promise<ReadResult> => {
    try {
      return await readCapture(path, sink, { ...extra, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) return interrupted(path, capture);
      throw err;
    }
  };
  const frame = new DecodedFrame();
  const onProgress = options.onProgress;
  const readBefore: number[] = paths.map(() => 0);
  const progress = (index: number): ReadCaptureOptions => ({
    onProgress: (b: number, t: number | undefined) => {
      bytesRead += b - readBefore[index]!;
      readBefore[index] = b;
      lastInputAt = Date.now();
      onProgress?.(index, b, t, analyzer.frames);
    },
  });
  const reads: ReadResult[] = [];
  // First record of each link type we do not decode, per capture: one warning each, not one per frame.
  const unsupported: Map<number, { frames: number; offset: number }>[] = paths.map(() => new Map());
  const noteUnsupported = (capture: number, rec: CaptureRecord): void => {
    const m = unsupported[capture]!;
    const seen = m.get(rec.linkType);
    if (seen) seen.frames++;
    else m.set(rec.linkType, { frames: 1, offset: rec.fileOffset });
  };

  try {
    if (paths.length === 1) {
      const index = analyzer.addCapture();
      const sink = {
        onRecord(rec: CaptureRecord): void {
          decodeFrame(rec, frame);
          if (frame.unsupportedLink) noteUnsupported(index, rec);
          analyzer.processFrame(frame, index);
        },
        onIssue(): void {},
      };
      reads.push(await read(paths[0]!, index, sink, progress(index)));
    } else {
      const duplicates = new DuplicateFilter();
      const merger = new CaptureMerger(paths.length, (rec, capture) => {
        decodeFrame(rec, frame);
        if (frame.unsupportedLink) noteUnsupported(capture, rec);
        const time = frame.tsSeconds + frame.tsNanos / 1e9;
        if (analyzer.see(frame, capture, time) && !duplicates.isDuplicate(frame, capture, time)) analyzer.analyse(frame, capture, time);
      });
      for (let i = 0; i < paths.length; i++) analyzer.addCapture();
      const results = await Promise.all(
        paths.map(async (path, index) => {
          try {
            return await read(path, index, { onRecord: (rec) => merger.add(index, rec), onIssue: () => {} }, {
              ...progress(index),
              beforePush: () => merger.beforePush(index),
            });
          } finally {
            merger.finish(index);
          }
        }),
      );
      reads.push(...results);
    }
  } finally {
    if (tick !== undefined) clearInterval(tick);
  }
  const captures: CaptureInfo[] = reads.map((read, i) => ({
    path: read.path,
    format: read.format === 'unknown' ? 'unknown' : `${read.format}${read.nanosecond ? ' (ns)' : ''}`,
    linkTypes: read.linkTypes,
    frames: read.frames,
    bytes: read.bytes,
    compressed: read.compressed,
    vantagePoint: '',
    issues: [
      ...read.issues.map((x) => ({ severity: x.fatal ? ('error' as const) : ('warning' as const), code: x.code, offset: x.offset, message: x.message })),
      ...unsupportedIssues(unsupported[i]!),
    ],
    unsupportedFrames: [...unsupported[i]!.values()].reduce((n, u) => n + u.frames, 0),
  }));
  return assemble(analyzer, captures);
}

/** One warning per link type we do not decode, the first MAX_ISSUES_PER_CODE of them, then their count. */
function unsupportedIssues(seen: Map<number, { frames: number; offset: number }>): CaptureInfo['issues'] {
  const all = [...seen.entries()];
  const issues: CaptureInfo['issues'] = all.slice(0, MAX_ISSUES_PER_CODE).map(([linkType, u]) => ({
    severity: 'warning' as const,
    code: 'unsupported_link_type',
    offset: u.offset,
    message: `link type ${linkType}${LINK_TYPE_NAMES[linkType] ? ` (${LINK_TYPE_NAMES[linkType]})` : ''} is not decoded: its ${u.frames} frame${u.frames === 1 ? ' was' : 's were'} skipped`,
  }));
  const rest = all.slice(MAX_ISSUES_PER_CODE);
  if (rest.length > 0) {
    const frames = rest.reduce((n, [, u]) => n + u.frames, 0);
    issues.push({
      severity: 'warning',
      code: 'unsupported_link_type',
      offset: rest[0]![1].offset,
      message: `${rest.length} more link types are not decoded: their ${frames} frame${frames === 1 ? ' was' : 's were'} skipped`,
    });
  }
  return issues;
}

function assemble(analyzer: Analyzer, captures: CaptureInfo[]): CheckResult {
  const j = analyzer.finish();
  if (analyzer.claims.unkept > 0) {
    j.topology.notes.push(
      `address claims (ARP, NA) for more than ${MAX_ADDRESSES} addresses: ${analyzer.claims.unkept} claims of further addresses were counted, not judged (a scan or a flood?)`,
    );
  }
  captures.forEach((c, i) => {
    c.vantagePoint = j.vantagePoints[i]?.description ?? 'unknown';
  });
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of j.findings) bySeverity[f.severity]++;
  for (const [rule, n] of Object.entries(j.suppressedFindings)) {
    const severity = allRules.find((r) => r.id === rule)?.defaultSeverity ?? 'error';
    bySeverity[severity] += n;
  }
  const byVerdict = j.flowsByVerdict;
  const flowCount = byVerdict.pass + byVerdict.fail + byVerdict.incomplete;
  let verdict: Verdict = 'pass';
  if (bySeverity.error > 0) verdict = 'fail';
  else if (flowCount === 0 && j.findings.length === 0) verdict = 'no-traffic';
  const unsupported: Record<string, number> = {};
  for (const [lt, n] of analyzer.unsupportedLinks) unsupported[String(lt)] = n;
  return {
    schemaVersion: SCHEMA_VERSION,
    verdict,
    captures,
    topology: j.topology,
    flows: j.flows,
    causes: j.causes,
    findings: j.findings,
    timeline: j.timeline,
    services: j.services,
    summary: {
      frames: analyzer.frames,
      flows: flowCount,
      flowsByVerdict: byVerdict,
      findingsBySeverity: bySeverity,
      weirds: Object.fromEntries([...analyzer.weirds.entries()].sort()),
      unsupportedLinkTypes: unsupported,
      evictedFlows: analyzer.evictedFlows,
      unlistedFlows: j.unlistedFlows,
      suppressedFindings: j.suppressedFindings,
    },
  };
}
