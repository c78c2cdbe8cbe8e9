#!/usr/bin/env node
/**
 * Throughput bench: `lvs-pcap check` (the full analysis, table output), our reader and decoder
 * alone, libpcap (tcpdump), pcap-parser and tshark, side by side on deterministic synthetic DR
 * captures; then two memory checks: peak RSS on a capture --scale times longer with the same
 * number of open flows (memory must follow the open flows, not the frames), and a SYN flood
 * (every frame a new flow) run with a bounded flow table. Run through `npm run bench` (builds
 * dist/ first).
 *
 *   node scripts/bench.mjs [--frames 1000000] [--runs 3] [--only a,b,c] [--captures dr,syn] [--dist DIR]
 *                          [--scale 10] [--syn-frames 10000000] [--max-flows 200000]
 *
 * --scale 0 or --syn-frames 0 skip the memory checks. Big captures are generated once into
 * bench-out/ (the 10x one is about 2.6 GB) and reused.
 *
 * Every measurement is a child process (Node start-up and imports included, as the CLI pays them),
 * timed from spawn to exit; the figure shown is the median of --runs. Peak RSS comes from
 * /usr/bin/time when installed, else from the worker's own process.resourceUsage(). Not a test:
 * nothing here asserts a speed.
 *
 * A mode is one entry in MODES. The two floor rows (scripts/bench-floor.mjs) are hand-written
 * loops that do part of the check's work with none of its generality: what Node itself costs here.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench-out');
const WORKER = join(ROOT, 'scripts', 'bench-worker.mjs');
const FLOOR = join(ROOT, 'scripts', 'bench-floor.mjs');
const GEN = join(ROOT, 'scripts', 'gen-dr-capture.mjs');
const SAMPLE_FRAMES = 50_000;

// ---- arguments -------------------------------------------------------------------------------------

const args = { frames: 1_000_000, runs: 3, only: null, captures: ['dr', 'syn'], dist: join(ROOT, 'dist'), scale: 10, synFrames: 10_000_000, maxFlows: 200_000 };
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--frames') args.frames = Number(argv[++i]);
    else if (k === '--runs') args.runs = Number(argv[++i]);
    else if (k === '--only') args.only = argv[++i].split(',');
    else if (k === '--captures') args.captures = argv[++i].split(',');
    // Another compiled tree (e.g. a copy of dist/ with a candidate fix) for before/after runs.
    else if (k === '--dist') args.dist = resolve(argv[++i]);
    else if (k === '--scale') args.scale = Number(argv[++i]);
    else if (k === '--syn-frames') args.synFrames = Number(argv[++i]);
    else if (k === '--max-flows') args.maxFlows = Number(argv[++i]);
    else {
      process.stderr.write(`unknown argument ${k}\nusage: bench.mjs [--frames N] [--runs N] [--only a,b,...] [--captures dr,syn,drgz] [--dist DIR] [--scale N] [--syn-frames N] [--max-flows N]\n`);
      process.exit(2);
    }
  }
  if (!(args.frames > 0) || !(args.runs > 0)) throw new Error('--frames and --runs need positive numbers');
  if (!(args.scale >= 0) || !(args.synFrames >= 0) || !(args.maxFlows > 0)) throw new Error('--scale, --syn-frames need numbers >= 0, --max-flows > 0');
}

const has = (cmd) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const distHas = (p) => existsSync(join(args.dist, p));

// ---- captures ------------------------------------------------------------------------------------------

/** id -> generator arguments; files are cached in bench-out/ by name (the generator is deterministic). */
const CAPTURES = {
  dr: { label: 'healthy DR, 20 frames/flow', gen: (n) => ['--frames', n, '--flows', Math.max(1, Math.round(n / 20))], ext: 'pcap' },
  // The dr capture made --scale times longer with as many flows open at once: same concurrency.
  drlong: {
    label: 'healthy DR, longer, same open flows',
    gen: (n) => ['--frames', n, '--flows', Math.max(1, Math.round(n / 20)), '--concurrency', Math.max(1, Math.ceil(args.frames / 200))],
    ext: 'pcap',
  },
  syn: { label: 'SYN flood, every frame a new flow', gen: (n) => ['--frames', n, '--syn-flood'], ext: 'pcap' },
  drgz: { label: 'healthy DR, gzip', gen: (n) => ['--frames', n, '--flows', Math.max(1, Math.round(n / 20)), '--gzip'], ext: 'pcap.gz' },
};

function capturePath(id, frames = args.frames) {
  return join(OUT, `${id}-${frames}.${CAPTURES[id].ext}`);
}

function ensureCapture(id, frames = args.frames) {
  const path = capturePath(id, frames);
  if (!existsSync(path)) {
    mkdirSync(OUT, { recursive: true });
    execFileSync(process.execPath, [GEN, ...CAPTURES[id].gen(String(frames)).map(String), '--out', path], { stdio: 'inherit' });
  }
  return path;
}

/** First SAMPLE_FRAMES frames (for tools too slow to run on the whole file). */
function ensureSample(path) {
  const sample = path.replace(/\.pcap(\.gz)?$/, `.sample${SAMPLE_FRAMES}.pcap`);
  if (!existsSync(sample)) execFileSync('editcap', ['-r', path, sample, `1-${SAMPLE_FRAMES}`], { stdio: 'ignore' });
  return sample;
}

// ---- modes ------------------------------------------------------------------------------------------------

/** A stage of scripts/bench-floor.mjs as a row (it prints the worker's JSON line). */
function floorMode(id, name, stage) {
  return {
    id,
    name,
    available: () => true,
    cmd: (f) => [process.execPath, FLOOR, f],
    env: { BENCH_FLOOR_STAGE: stage },
    worker: true,
    // It reads plain little-endian pcap only and holds at most 128k open flows (no SYN flood).
    accepts: (f) => !f.endsWith('.gz') && !basename(f).startsWith('syn-'),
  };
}

/**
 * id: letter for --only. cmd(file) -> argv. worker: the command prints the worker's JSON line.
 * sample: measured on the first 50k frames (frames/s from the sample; wall extrapolated).
 * baseline: the row the ratios are taken against. env: extra environment for the command.
 * floor: the row the check is compared with in the summary line.
 */
const MODES = [
  {
    id: 'f',
    name: 'lvs-pcap check (full analysis, table)',
    // What bin/lvs-pcap.js runs: the bundle (scripts/bundle.mjs) from its code cache.
    available: () => distHas('cli/lvs-pcap.cjs') || 'dist/cli/lvs-pcap.cjs missing (npm run build)',
    cmd: (f) => [process.execPath, join(args.dist, 'cli', 'launch.js'), 'check', f],
    // Exit 1 is a verdict (findings), not a failure of the run.
    okCodes: [0, 1],
    target: true,
  },
  {
    id: 'a',
    name: 'lvs-pcap read (count records)',
    available: () => distHas('capture/read.js') || 'dist/capture/read.js missing (run tsc)',
    cmd: (f) => [process.execPath, WORKER, 'read', f],
    worker: true,
  },
  {
    id: 'b',
    name: 'lvs-pcap read + decodeFrame',
    available: () => (distHas('capture/read.js') && distHas('decode/decoder.js')) || 'dist/decode/decoder.js missing',
    cmd: (f) => [process.execPath, WORKER, 'decode', f],
    worker: true,
  },
  {
    id: 'c',
    name: "tcpdump -r F -w /dev/null 'tcp or arp'",
    available: () => has('tcpdump') || 'tcpdump not installed',
    // libpcap reads no gzip: zcat feeds it, as a user would, so both sides pay for inflating.
    cmd: (f) =>
      f.endsWith('.gz') ? ['sh', '-c', 'zcat "$0" | tcpdump -r - -w /dev/null "tcp or arp"', f] : ['tcpdump', '-r', f, '-w', '/dev/null', 'tcp or arp'],
    baseline: true,
  },
  {
    id: 'd',
    name: 'pcap-parser (npm) count packets',
    available: () => existsSync(join(ROOT, 'node_modules', 'pcap-parser')) || 'pcap-parser not installed',
    cmd: (f) => [process.execPath, WORKER, 'pcap-parser', f],
    worker: true,
    // It reads gzip neither, nor nanosecond files.
    accepts: (f) => !f.endsWith('.gz'),
  },
  floorMode('g', 'floor: hand-written read + decode + flow map', 'flows'),
  { ...floorMode('h', 'floor: hand-written least DR check', 'verify'), floor: true },
  {
    id: 'e',
    name: 'tshark -T fields (50k sample, scaled)',
    available: () => (has('tshark') && has('editcap')) || 'tshark/editcap not installed',
    cmd: (f) => ['tshark', '-n', '-r', f, '-T', 'fields', '-e', 'frame.number', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.flags'],
    sample: true,
    tshark: true,
  },
];

// ---- measuring -------------------------------------------------------------------------------------------

function runOnce(argv, okCodes = [0], env = {}) {
  const timeFile = join(OUT, `.time-${process.pid}`);
  const full = TIME ? [TIME, '-f', '%M %U %S', '-o', timeFile, ...argv] : argv;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BENCH_DIST: args.dist, ...env } });
    let out = '';
    let err = '';
    // Output is drained, not kept, past what the worker's JSON line needs.
    child.stdout.on('data', (c) => {
      if (out.length < 4096) out += c;
    });
    child.stderr.on('data', (c) => {
      if (err.length < 4096) err += c;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (!okCodes.includes(code)) {
        reject(new Error(`${argv.join(' ')} exited ${code}: ${err.trim().split('\n').slice(-2).join(' / ')}`));
        return;
      }
      let rssKb = NaN;
      let cpuMs = NaN;
      if (TIME) {
        const [m, u, sy] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
        rssKb = m;
        cpuMs = (u + sy) * 1000;
        rmSync(timeFile, { force: true });
      }
      resolve({ wallMs, rssKb, cpuMs, stdout: out });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function measure(mode, file, frames, bytes) {
  const walls = [];
  const rss = [];
  const inProc = [];
  const cpu = [];
  for (let i = 0; i < args.runs; i++) {
    const r = await runOnce(mode.cmd(file), mode.okCodes, mode.env);
    walls.push(r.wallMs);
    cpu.push(r.cpuMs);
    if (mode.worker) {
      const w = JSON.parse(r.stdout.trim().split('\n').pop());
      if (w.frames !== frames) throw new Error(`${mode.name}: read ${w.frames} frames, the file has ${frames}`);
      inProc.push(w.ms);
      rss.push(Number.isFinite(r.rssKb) ? r.rssKb : w.maxRssKb);
    } else rss.push(r.rssKb);
  }
  const wallMs = median(walls);
  return {
    wallMs,
    inProcMs: inProc.length ? median(inProc) : NaN,
    cpuMs: median(cpu),
    rssKb: median(rss),
    fps: frames / (wallMs / 1000),
    // Frames per CPU second: the figure to compare when other work shares the machine.
    fpsCpu: frames / (median(cpu) / 1000),
    mbps: bytes / 1e6 / (wallMs / 1000),
  };
}

// ---- table --------------------------------------------------------------------------------------------------

const fmt = {
  ms: (v) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : '-'),
  rate: (v) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : `${(v / 1e3).toFixed(0)} k`),
  mb: (v) => `${v.toFixed(0)}`,
  rss: (kb) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MB` : '-'),
  x: (v) => (Number.isFinite(v) ? `${v.toFixed(v < 0.1 ? 3 : 2)}×` : '-'),
};

function printTable(rows) {
  const head = ['mode', 'wall (median)', 'in-process', 'CPU user+sys', 'frames/s', 'MB/s', 'frames/CPU-s', 'peak RSS', 'wall / libpcap', 'frames/s vs libpcap', 'CPU / libpcap'];
  const body = rows.map((r) =>
    r.skip
      ? [r.name, `skipped: ${r.skip}`, '', '', '', '', '', '', '', '', '']
      : [r.name, fmt.ms(r.wallMs) + (r.scaled ? ' *' : ''), fmt.ms(r.inProcMs), fmt.ms(r.cpuMs), fmt.rate(r.fps), fmt.mb(r.mbps), Number.isFinite(r.fpsCpu) ? fmt.rate(r.fpsCpu) : '-', fmt.rss(r.rssKb), fmt.x(r.ratioWall), fmt.x(r.ratioFps), fmt.x(r.ratioCpu)],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 1) + '-' : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const b of body) console.log(line(b));
}

// ---- memory checks --------------------------------------------------------------------------------------------

/** The dr capture's check row, for the flatness ratio. */
let drCheck = null;

/** One measured worker `check` pass: wall, peak RSS, flows and evictions. */
async function checkOnce(path, env = {}) {
  const r = await runOnce([process.execPath, WORKER, 'check', path], [0], env);
  const w = JSON.parse(r.stdout.trim().split('\n').pop());
  return { ...w, wallMs: r.wallMs, rssKb: Number.isFinite(r.rssKb) ? r.rssKb : w.maxRssKb };
}

async function memoryChecks() {
  if (!distHas('check/check.js')) return;
  if (args.scale > 0) {
    const n = Math.round(args.frames * args.scale);
    // drlong keeps the dr capture's concurrency (its generator default: flows / 10 = frames / 200).
    const base = await checkOnce(ensureCapture('dr'));
    const long = await checkOnce(ensureCapture('drlong', n));
    const growth = long.rssKb / base.rssKb - 1;
    console.log(
      `\nMemory follows open flows: ${args.frames.toLocaleString('en')} frames -> ${fmt.rss(base.rssKb)} peak RSS; ` +
        `${n.toLocaleString('en')} frames (${args.scale}x, same open flows) -> ${fmt.rss(long.rssKb)} ` +
        `(${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(0)}%, target within 20%), ${fmt.rate(long.frames / (long.wallMs / 1000))} frames/s` +
        (drCheck ? `; dr check row above: ${fmt.rss(drCheck.rssKb)}` : ''),
    );
  }
  if (args.synFrames > 0) {
    const path = ensureCapture('syn', args.synFrames);
    const r = await checkOnce(path, { BENCH_MAX_FLOWS: String(args.maxFlows) });
    console.log(
      `SYN flood: ${args.synFrames.toLocaleString('en')} frames, every frame a new flow, max flows ${args.maxFlows.toLocaleString('en')}: ` +
        `${fmt.ms(r.wallMs)}, ${fmt.rate(r.frames / (r.wallMs / 1000))} frames/s, peak RSS ${fmt.rss(r.rssKb)}, ` +
        `${r.flows.toLocaleString('en')} flows judged, ${r.evictedFlows.toLocaleString('en')} evicted (judged early, table full), verdict ${r.verdict}`,
    );
  }
}

// ---- main ------------------------------------------------------------------------------------------------------

const modes = MODES.filter((m) => !args.only || args.only.includes(m.id));
console.log(
  `node ${process.version}, ${cpus().length} CPU(s), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start; ` +
    `${args.runs} run(s) per cell, median shown; wall = spawn to exit (start-up included); in-process = the pass alone ` +
    `(Node modes) of ${relative(ROOT, args.dist) || '.'}; CPU and peak RSS ${TIME ? 'from /usr/bin/time' : 'unavailable (no /usr/bin/time; RSS from the worker)'}`,
);
for (const id of args.captures) {
  if (!CAPTURES[id]) throw new Error(`unknown capture ${id} (have ${Object.keys(CAPTURES).join(', ')})`);
  const path = ensureCapture(id);
  const size = statSync(path).size;
  // The frame count and decompressed size come from one of our own passes when possible.
  const frames = args.frames;
  const bytes = id === 'drgz' ? statSync(ensureCapture('dr')).size : size;
  console.log(`\n${CAPTURES[id].label}: ${relative(ROOT, path)} — ${frames.toLocaleString('en')} frames, ${(bytes / 1e6).toFixed(1)} MB${id === 'drgz' ? ` (${(size / 1e6).toFixed(1)} MB gzip)` : ''}`);
  const rows = [];
  for (const m of modes) {
    const ok = m.available();
    if (ok !== true) {
      rows.push({ name: `(${m.id}) ${m.name}`, skip: ok });
      continue;
    }
    if (m.accepts && !m.accepts(path)) {
      rows.push({ name: `(${m.id}) ${m.name}`, skip: 'cannot read this file' });
      continue;
    }
    try {
      if (m.sample) {
        const sample = ensureSample(id === 'drgz' ? ensureCapture('dr') : path);
        const n = Math.min(SAMPLE_FRAMES, frames);
        const r = await measure(m, sample, n, statSync(sample).size);
        // Extrapolated to the whole file at the sample's rate (start-up then counted once per 50k frames: pessimistic).
        rows.push({ name: `(${m.id}) ${m.name}`, ...r, wallMs: (r.wallMs * frames) / n, cpuMs: (r.cpuMs * frames) / n, scaled: true });
      } else {
        rows.push({ name: `(${m.id}) ${m.name}`, ...(await measure(m, path, frames, bytes)) });
      }
    } catch (e) {
      rows.push({ name: `(${m.id}) ${m.name}`, skip: String(e.message ?? e).slice(0, 60) });
    }
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  const base = rows.find((r, i) => modes[i]?.baseline && !r.skip);
  for (const r of rows) {
    if (r.skip || !base) continue;
    r.ratioWall = r.wallMs / base.wallMs;
    r.ratioFps = r.fps / base.fps;
    r.ratioCpu = r.cpuMs / base.cpuMs;
  }
  printTable(rows);
  const check = rows.find((r, i) => modes[i]?.target && !r.skip);
  const tshark = rows.find((r, i) => modes[i]?.tshark && !r.skip);
  if (check) {
    const parts = [`check: ${fmt.rate(check.fps)} frames/s (target >= 3 M), peak RSS ${fmt.rss(check.rssKb)}`];
    if (base) parts.push(`wall ${fmt.x(check.wallMs / base.wallMs)} libpcap's (target <= 4×)`);
    if (tshark) parts.push(`${fmt.x(tshark.wallMs / check.wallMs)} faster than tshark -T fields (target >= 50×)`);
    console.log(parts.join('; '));
    const floor = rows.find((r, i) => modes[i]?.floor && !r.skip);
    if (floor) {
      console.log(
        `floor: a hand-written Node loop doing the least DR check (scripts/bench-floor.mjs) takes ${fmt.ms(floor.wallMs)}, ${fmt.rate(floor.fps)} frames/s; ` +
          `the check ${fmt.x(check.wallMs / floor.wallMs)} of it` +
          (base ? `; 4× libpcap would be ${fmt.ms(4 * base.wallMs)}` : '') +
          `; 3 M frames/s would be ${fmt.ms((frames / 3e6) * 1000)}`,
      );
    }
    if (id === 'dr') drCheck = check;
  }
}

await memoryChecks();
console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine inflates wall times; CPU time less so)`);
if (modes.some((m) => m.sample)) console.log('\n* measured on the first 50,000 frames; wall and CPU extrapolated to the whole file, frames/s and MB/s are the sample\'s.');
