#!/usr/bin/env node
/**
 * One measured pass over a capture, in its own process so the parent's wall time includes Node's
 * start-up and imports, as a user running the CLI would see. Prints one JSON line:
 * { frames, bytes, ms, cpuMs, maxRssKb, check } — `ms` is the in-process time of the pass alone, `check`
 * a value derived from the decoded fields so the work cannot be optimised away.
 *
 *   node scripts/bench-worker.mjs read|decode|check|pcap-parser FILE
 *
 * A new mode is one entry in MODES.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** Compiled library to measure: ../dist, or another build (BENCH_DIST=/abs/dir) for before/after comparisons. */
const DIST = process.env.BENCH_DIST ? pathToFileURL(process.env.BENCH_DIST.replace(/\/?$/, '/')) : new URL('../dist/', import.meta.url);
const lib = (path) => import(new URL(path, DIST).href);

const MODES = {
  /** Reader only: count records and captured bytes. */
  async read(file) {
    const { readCapture } = await lib('capture/read.js');
    let frames = 0;
    let bytes = 0;
    let issues = 0;
    await readCapture(file, {
      onRecord(rec) {
        frames++;
        bytes += rec.capturedLength;
      },
      onIssue() {
        issues++;
      },
    });
    return { frames, bytes, check: issues };
  },

  /** Reader + decoder on every record, reading a few fields of each layer. */
  async decode(file) {
    const { readCapture } = await lib('capture/read.js');
    const { decodeFrame } = await lib('decode/decoder.js');
    const { DecodedFrame } = await lib('decode/frame.js');
    const f = new DecodedFrame();
    let frames = 0;
    let bytes = 0;
    let check = 0;
    await readCapture(file, {
      onRecord(rec) {
        frames++;
        bytes += rec.capturedLength;
        decodeFrame(rec, f);
        // Masked to a small integer: a double kept in a closure variable would allocate a heap
        // number per frame and bill the harness's garbage to the decoder.
        check = (check + f.ipSrc + f.ipDst + f.ipTtl + f.srcPort + f.dstPort + f.tcpFlags + f.tcpSeq + f.arpOp + (f.ethSrc & 0xffff)) & 0x3fffffff;
      },
      onIssue() {},
    });
    return { frames, bytes, check };
  },

  /**
   * The whole `lvs-pcap check` pass (library call, no report rendering), for runs the CLI has no
   * flag for: BENCH_MAX_FLOWS bounds the flow table. Prints how many flows were evicted.
   */
  async check(file) {
    const { checkCaptures } = await lib('check/check.js');
    // As `lvs-pcap check` runs (src/cli/launch.ts).
    (await lib('cli/young-generation.js')).keepYoungGenerationSmall();
    const maxFlows = process.env.BENCH_MAX_FLOWS ? Number(process.env.BENCH_MAX_FLOWS) : undefined;
    // As `lvs-pcap check` with its table: passing flows are counted, not listed.
    const r = await checkCaptures([file], { passingFlows: 0, ...(maxFlows !== undefined ? { maxFlows } : {}) });
    return { frames: r.summary.frames, bytes: r.captures[0]?.bytes ?? 0, check: r.summary.flows, flows: r.summary.flows, evictedFlows: r.summary.evictedFlows, verdict: r.verdict };
  },

  /** The npm pcap-parser package (µs pcap only), counting 'packet' events. */
  async 'pcap-parser'(file) {
    const require = createRequire(import.meta.url);
    const pcapp = require('pcap-parser');
    let frames = 0;
    let bytes = 0;
    await new Promise((resolve, reject) => {
      const p = pcapp.parse(file);
      p.on('packet', (pkt) => {
        frames++;
        bytes += pkt.header.capturedLength;
      });
      p.on('end', resolve);
      p.on('error', reject);
    });
    return { frames, bytes, check: 0 };
  },
};

const [mode, file] = process.argv.slice(2);
const run = MODES[mode];
if (!run || !file) {
  process.stderr.write(`usage: bench-worker.mjs ${Object.keys(MODES).join('|')} FILE\n`);
  process.exit(2);
}
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
const r = await run(file);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const c = process.cpuUsage(c0);
// cpuMs: user + system time of the pass alone, less disturbed than `ms` by other load on the machine.
process.stdout.write(JSON.stringify({ ...r, ms, cpuMs: (c.user + c.system) / 1000, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
