#!/usr/bin/env node
/**
 * Soak benchmark of `lvs-pcap watch`: pipes a generated stream of healthy DR traffic with
 * churning clients (scripts/gen-dr-capture.mjs --out -, every flow a new client ip:port) through
 * `watch - --metrics` as tcpdump would, and prints the watch process's resident memory as the
 * frames pass: a line every --every frames, the RSS at 5M frames, and at the end the peak
 * (VmHWM) against it. Memory must follow the open flows, not the frames watched: the peak should
 * stay within 20% of the RSS at 5M frames.
 *
 *   npm run build && nice node scripts/soak-watch.mjs [--frames 50000000] [--concurrency 5000]
 *        [--frames-per-flow 14] [--every 5000000] [--dist DIR]
 *
 * The frame count comes from watch's own lvs_pcap_frames_total (scraped every second), the
 * memory from /proc/PID/status, so the figures are those of the process a director would run.
 * Linux only (/proc). Prints figures; it is not a test and asserts nothing.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const a = { frames: 50_000_000, concurrency: 5000, framesPerFlow: 14, every: 5_000_000, dist: join(ROOT, 'dist') };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v <= 0) throw new Error(`${k} needs a positive integer`);
      return v;
    };
    if (k === '--frames') a.frames = num();
    else if (k === '--concurrency') a.concurrency = num();
    else if (k === '--frames-per-flow') a.framesPerFlow = num();
    else if (k === '--every') a.every = num();
    else if (k === '--dist') a.dist = resolve(argv[++i] ?? '');
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

/** VmRSS and VmHWM of a process, in bytes (null once it has exited). */
function memoryOf(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

async function scrapeFrames(url) {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const m = /^lvs_pcap_frames_total (\d+)/m.exec(text);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const millions = (n) => `${(n / 1e6).toFixed(1)}M`;

const a = parseArgs(process.argv.slice(2));
const flows = Math.ceil(a.frames / a.framesPerFlow);
process.stderr.write(
  `soak: ${millions(a.frames)} frames, ${flows} flows (about ${a.framesPerFlow} frames each, ${a.concurrency} open at a time), watch from ${a.dist}\n`,
);

const gen = spawn(process.execPath, [join(ROOT, 'scripts/gen-dr-capture.mjs'), '--frames', String(a.frames), '--flows', String(flows), '--concurrency', String(a.concurrency), '--out', '-'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const watch = spawn(
  process.execPath,
  [
    join(a.dist, 'cli/launch.js'),
    'watch',
    '-',
    '--vip',
    '192.168.188.120:80',
    '--director-mac',
    '00:0c:29:50:d5:63',
    '--rs',
    '192.168.188.107=00:0c:29:e4:4d:1f',
    '--rs',
    '192.168.188.110=00:0c:29:2c:a5:a0',
    '--metrics',
    '127.0.0.1:0',
  ],
  { stdio: ['pipe', 'pipe', 'pipe'] },
);
gen.stdout.pipe(watch.stdin);
// An early exit of watch must not leave the generator writing into a broken pipe.
watch.stdin.on('error', () => gen.kill());

let stdout = '';
let stderr = '';
watch.stdout.on('data', (d) => (stdout += d));
watch.stderr.on('data', (d) => (stderr += d));
const exited = new Promise((r) => watch.once('exit', (code) => r(code)));

const start = Date.now();
let url = null;
let nextMark = a.every;
let atFiveMillion = null;
let maxRss = 0;
let lastPeak = 0;
let lastFrames = 0;
let done = false;
exited.then(() => (done = true));
while (!done) {
  await new Promise((r) => setTimeout(r, 1000));
  url ??= /metrics on (http:\/\/[^/]+)\/metrics/.exec(stderr)?.[1] ?? null;
  const mem = memoryOf(watch.pid);
  if (mem === null || url === null) continue;
  maxRss = Math.max(maxRss, mem.rss);
  lastPeak = mem.peak;
  const frames = await scrapeFrames(url);
  if (frames === null) continue;
  lastFrames = frames;
  if (atFiveMillion === null && frames >= 5_000_000) atFiveMillion = { frames, ...mem };
  if (frames >= nextMark) {
    const s = (Date.now() - start) / 1000;
    process.stdout.write(`${millions(frames).padStart(6)} frames  ${s.toFixed(0).padStart(5)} s  ${(frames / s / 1000).toFixed(0)} k frames/s  RSS ${mb(mem.rss)}  peak ${mb(mem.peak)}\n`);
    while (nextMark <= frames) nextMark += a.every;
  }
}
// The last scrape may come before the last frames: the summary line has the total.
const code = await exited;
const s = (Date.now() - start) / 1000;
const summaryFrames = Number(/watch: \S+: ([\d,]+) frames/.exec(stdout.replace(/\x1b\[[0-9;]*m/g, ''))?.[1]?.replace(/,/g, '') ?? lastFrames);
process.stdout.write(`watch exited ${code} after ${s.toFixed(0)} s, ${summaryFrames} frames (${(summaryFrames / s / 1000).toFixed(0)} k frames/s)\n`);
const last = stdout.trim().split('\n').slice(0, 3).join('\n');
process.stdout.write(`summary: ${last}\n`);
if (atFiveMillion !== null) {
  process.stdout.write(
    `RSS at ${millions(atFiveMillion.frames)} frames: ${mb(atFiveMillion.rss)}; at the end: largest RSS sampled ${mb(maxRss)} ` +
      `(${((maxRss / atFiveMillion.rss - 1) * 100).toFixed(1)}% above), peak (VmHWM) ${mb(lastPeak)} (${((lastPeak / atFiveMillion.rss - 1) * 100).toFixed(1)}% above)\n`,
  );
  const peak = Math.max(maxRss, lastPeak);
  process.stdout.write(`peak within 20% of the RSS at 5M frames: ${peak <= atFiveMillion.rss * 1.2 ? 'yes' : 'NO'}\n`);
}
