#!/usr/bin/env node
/**
 * Would worker threads help `check` on a 2-core machine? This measures the most a flow-sharded
 * design could give, before anyone builds it: N worker threads each read and decode the whole
 * capture (counting every frame, as the vantage-point detection needs) and analyse only the
 * frames of their share of the flows (by srcPort ^ dstPort, the same for every leg and copy of a
 * DR flow; ARP and other frames go to worker 0), then judge their flows. It leaves out what a
 * real design would add (merging N judgements and topologies, agreeing on one topology while
 * streaming), so its time is a lower bound for such a design. Not a test; prints figures.
 *
 * Measured on the 2-core machine (1M-frame DR capture, commit 8df6994, 2026-11-26): one
 * worker, every flow, 1.20 s; one worker alone with half the flows, 0.72 s; two workers with
 * half each, 1.15 s; two workers each doing the whole job, 1.60 s each. Two threads slow each
 * other by half: a lone check already keeps the second core busy with V8's garbage-collection
 * helpers and the file reads, and both contend for the caches the flow state lives in.
 * Sharding gains ~4% at best, less than the merge would cost: `check` stays single-threaded
 * (docs/performance.md).
 *
 *   node scripts/bench-shards.mjs FILE [--runs 5] [--workers 1,2]
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

const DIST = new URL('../dist/', import.meta.url);
const lib = (path) => import(new URL(path, DIST).href);

if (isMainThread) {
  const argv = process.argv.slice(2);
  const file = argv.find((a) => !a.startsWith('--'));
  const opt = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  if (!file) {
    process.stderr.write('usage: bench-shards.mjs FILE [--runs 5] [--workers 1,2]\n');
    process.exit(2);
  }
  const runs = Number(opt('--runs', '5'));
  const counts = opt('--workers', '1,2').split(',').map(Number);
  const once = (n) =>
    new Promise((resolve, reject) => {
      const start = performance.now();
      let left = n;
      const per = [];
      for (let k = 0; k < n; k++) {
        const w = new Worker(new URL(import.meta.url), { workerData: { file, shard: k, shards: n } });
        w.on('message', (m) => per.push(m));
        w.on('error', reject);
        w.on('exit', () => {
          if (--left === 0) resolve({ wallMs: performance.now() - start, per });
        });
      }
    });
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const n of counts) {
    const walls = [];
    let last;
    for (let r = 0; r < runs; r++) {
      last = await once(n);
      walls.push(last.wallMs);
    }
    const flows = last.per.reduce((s, m) => s + m.flows, 0);
    console.log(
      `${n} worker${n === 1 ? ' ' : 's'}: median ${median(walls).toFixed(0)} ms over ${runs} runs ` +
        `(${walls.map((w) => w.toFixed(0)).join(' ')}); flows judged ${flows}; ` +
        `per worker: ${last.per.map((m) => `${m.analysed} frames analysed in ${m.ms.toFixed(0)} ms`).join(', ')}`,
    );
  }
} else {
  const { file, shard, shards } = workerData;
  const { readCapture } = await lib('capture/read.js');
  const { decodeFrame } = await lib('decode/decoder.js');
  const { DecodedFrame } = await lib('decode/frame.js');
  const { Analyzer } = await lib('check/analyzer.js');
  const { rules } = await lib('rules/index.js');
  const { emptyTopology } = await lib('topology/topology.js');
  const start = performance.now();
  const analyzer = new Analyzer(emptyTopology(), { rules, labels: [file] });
  const index = analyzer.addCapture();
  const frame = new DecodedFrame();
  let analysed = 0;
  await readCapture(
    file,
    {
      onRecord(rec) {
        decodeFrame(rec, frame);
        const time = frame.tsSeconds + frame.tsNanos / 1e9;
        if (!analyzer.see(frame, index, time)) return;
        const mine = frame.srcPort >= 0 ? ((frame.srcPort ^ frame.dstPort) & 0xffff) % shards === shard : shard === 0;
        if (!mine) return;
        analysed++;
        analyzer.analyse(frame, index, time);
      },
      onIssue() {},
    },
    {},
  );
  const j = analyzer.finish();
  const v = j.flowsByVerdict;
  parentPort.postMessage({ shard, analysed, flows: v.pass + v.fail + v.incomplete, ms: performance.now() - start });
}
