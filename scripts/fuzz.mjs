#!/usr/bin/env node
/**
 * Long-running mutation fuzzer over the built library (dist/): every fixture capture is damaged
 * (bit flips, byte overwrites, cuts, splices of two fixtures, record/block length fields set to
 * extremes) and run through the whole check (checkCaptures on a temp file: gzip detection,
 * reader, decoder, analyzer, judge) and every reporter. A case fails if anything throws, if a
 * result breaks an invariant the CLI relies on (one-line issues, offsets inside the stream, at
 * most one fatal issue), or if it is far slower than its size allows.
 *
 *   node scripts/fuzz.mjs [--cases N] [--seed S] [--seconds T] [--jobs J] [--out DIR] [--replay FILE]
 *
 * --jobs (default: one per CPU) runs the cases in J child processes, case i in shard i mod J, and
 * prints one combined summary; which process ran a case changes nothing about its bytes.
 *
 * Seeded and reproducible: case i of seed S is always the same bytes (its own PRNG is derived
 * from S and i), so a failure prints `--seed S --case i` and writes the damaged capture to
 * --out (default: the system temp dir) for `lvs-pcap check FILE` or `--replay FILE`.
 *
 * The mutation functions are exported (and free of dist/ imports) so test/hostile can drive the
 * same mutations from fast-check arbitraries.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { availableParallelism } from 'node:os';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { gunzipSync, gzipSync } from 'node:zlib';

export const EXTREMES = [0, 1, 0xffff, 0x7fffffff, 0xffffffff];

/** Every capture under fixtures/ (found, not listed: the lab rewrites them). */
export function listFixtureCaptures(root) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(pcap|pcapng|pcap\.gz)$/.test(name)) out.push(p);
    }
  };
  walk(root);
  return out;
}

/**
 * Offsets of the 32-bit length fields of a capture, in the file's byte order, so a mutation can
 * hit exactly the fields a reader must distrust: pcap caplen/origlen, pcapng block lengths
 * (leading and trailing) and EPB caplen/origlen. Returns [] for anything else.
 */
export function lengthFields(b) {
  const fields = [];
  if (b.length < 24) return fields;
  const m = b.readUInt32BE(0);
  const pcapLE = m === 0xd4c3b2a1 || m === 0x4d3cb2a1 || m === 0x34cdb2a1;
  const pcapBE = m === 0xa1b2c3d4 || m === 0xa1b23c4d || m === 0xa1b2cd34;
  if (pcapLE || pcapBE) {
    const le = pcapLE;
    const hl = m === 0x34cdb2a1 || m === 0xa1b2cd34 ? 24 : 16;
    let p = 24;
    while (p + hl <= b.length) {
      fields.push({ at: p + 8, le }, { at: p + 12, le });
      const caplen = le ? b.readUInt32LE(p + 8) : b.readUInt32BE(p + 8);
      p += hl + caplen;
    }
    return fields;
  }
  if (m === 0x0a0d0d0a) {
    let le = true;
    let p = 0;
    while (p + 12 <= b.length) {
      const type = b.readUInt32LE(p);
      if (type === 0x0a0d0d0a) le = b.readUInt32LE(p + 8) === 0x1a2b3c4d;
      const t = le ? b.readUInt32LE(p) : b.readUInt32BE(p);
      const len = le ? b.readUInt32LE(p + 4) : b.readUInt32BE(p + 4);
      if (len < 12 || p + len > b.length) break;
      fields.push({ at: p + 4, le }, { at: p + len - 4, le });
      if (t === 6 && len >= 32) fields.push({ at: p + 20, le }, { at: p + 24, le });
      if (t === 3 && len >= 16) fields.push({ at: p + 8, le });
      p += len;
    }
  }
  return fields;
}

/** Link types the decoders know, plus two they do not: frames re-read as another link layer. */
export const LINK_TYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147, 0xffff];

/** Offsets of the link-type fields (pcap file header, pcapng IDBs), each 16 bits in file order. */
export function linkTypeFields(b) {
  const out = [];
  if (b.length < 24) return out;
  const m = b.readUInt32BE(0);
  if (m === 0xd4c3b2a1 || m === 0x4d3cb2a1 || m === 0x34cdb2a1) return [{ at: 20, le: true }];
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d || m === 0xa1b2cd34) return [{ at: 22, le: false }];
  if (m !== 0x0a0d0d0a) return out;
  let le = true;
  let p = 0;
  while (p + 12 <= b.length) {
    if (b.readUInt32LE(p) === 0x0a0d0d0a) le = b.readUInt32LE(p + 8) === 0x1a2b3c4d;
    const t = le ? b.readUInt32LE(p) : b.readUInt32BE(p);
    const len = le ? b.readUInt32LE(p + 4) : b.readUInt32BE(p + 4);
    if (len < 12 || p + len > b.length) break;
    if (t === 1 && len >= 20) out.push({ at: p + 8, le });
    p += len;
  }
  return out;
}

/**
 * Applies mutations (plain objects, so fast-check can generate and print them) to a copy of
 * `base`. Positions are fractions in [0, 1) of the current length so one description fits any
 * input. `others` are the bytes a splice may take its tail from.
 *   { kind: 'flip', at, bit }            one bit
 *   { kind: 'set', at, bytes: [..] }     overwrite
 *   { kind: 'cut', at }                  truncate
 *   { kind: 'splice', at, other, from }  our head + another capture's tail
 *   { kind: 'length', field, value, swap } a length field (lengthFields) set to a value, optionally in the other byte order
 *   { kind: 'dup', at, len, times }      repeat a slice (record runs, block runs)
 *   { kind: 'link', field, type }        a link-type field (linkTypeFields) set to LINK_TYPES[type]
 */
export function mutate(base, mutations, others) {
  let b = Buffer.from(base);
  for (const m of mutations) {
    const pos = (f) => Math.min(b.length - 1, Math.floor(f * b.length));
    switch (m.kind) {
      case 'flip':
        if (b.length > 0) b[pos(m.at)] ^= 1 << (m.bit & 7);
        break;
      case 'set': {
        if (b.length === 0) break;
        const p = pos(m.at);
        for (let i = 0; i < m.bytes.length && p + i < b.length; i++) b[p + i] = m.bytes[i] & 0xff;
        break;
      }
      case 'cut':
        b = b.subarray(0, Math.floor(m.at * b.length));
        break;
      case 'splice': {
        const o = others.length ? others[m.other % others.length] : b;
        b = Buffer.concat([b.subarray(0, Math.floor(m.at * b.length)), o.subarray(Math.floor(m.from * o.length))]);
        break;
      }
      case 'length': {
        const fields = lengthFields(b);
        if (fields.length === 0) break;
        const f = fields[m.field % fields.length];
        const le = m.swap ? !f.le : f.le;
        if (le) b.writeUInt32LE(m.value >>> 0, f.at);
        else b.writeUInt32BE(m.value >>> 0, f.at);
        break;
      }
      case 'dup': {
        if (b.length === 0) break;
        const p = pos(m.at);
        const slice = b.subarray(p, Math.min(b.length, p + m.len));
        const parts = [b.subarray(0, p)];
        for (let i = 0; i < m.times; i++) parts.push(slice);
        parts.push(b.subarray(p));
        b = Buffer.concat(parts);
        break;
      }
      case 'link': {
        const fields = linkTypeFields(b);
        if (fields.length === 0) break;
        const f = fields[m.field % fields.length];
        const v = LINK_TYPES[m.type % LINK_TYPES.length];
        if (f.le) b.writeUInt16LE(v, f.at);
        else b.writeUInt16BE(v, f.at);
        break;
      }
      default:
        throw new Error(`unknown mutation ${JSON.stringify(m)}`);
    }
  }
  return b;
}

/** splitmix32: tiny, seedable, good enough to pick mutations. */
export function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** The mutations of case `index` under `seed`: independent of every other case. */
export function randomMutations(seed, index) {
  const r = prng((seed ^ Math.imul(index + 1, 0x27d4eb2d)) >>> 0);
  const int = (n) => Math.floor(r() * n);
  const count = 1 + int(4);
  const out = [];
  for (let i = 0; i < count; i++) {
    const k = int(13);
    if (k < 3) out.push({ kind: 'flip', at: r(), bit: int(8) });
    else if (k < 5) out.push({ kind: 'set', at: r(), bytes: Array.from({ length: 1 + int(8) }, () => [0, 0xff, 0x7f, 0x80, int(256)][int(5)]) });
    else if (k < 6) out.push({ kind: 'cut', at: r() });
    else if (k < 7) out.push({ kind: 'splice', at: r(), other: int(1 << 16), from: r() });
    else if (k < 11) out.push({ kind: 'length', field: int(1 << 16), value: EXTREMES[int(EXTREMES.length)], swap: int(4) === 0 });
    else if (k < 12) out.push({ kind: 'dup', at: r(), len: 1 + int(64), times: 1 + int(8) });
    else out.push({ kind: 'link', field: int(1 << 16), type: int(LINK_TYPES.length) });
  }
  return { fixture: int(1 << 16), gzip: int(8) === 0, mutations: out };
}

/** Checks the invariants the CLI's one-line messages and exit statuses rely on. */
export function checkInvariants(result, bytesLength) {
  const problems = [];
  for (const c of result.captures) {
    let fatal = 0;
    for (const i of c.issues) {
      if (/[\r\n]/.test(i.message)) problems.push(`issue ${i.code} spans lines: ${JSON.stringify(i.message)}`);
      if (!Number.isSafeInteger(i.offset) || i.offset < 0 || i.offset > Math.max(bytesLength, c.bytes)) problems.push(`issue ${i.code} offset ${i.offset} outside the ${c.bytes}-byte stream`);
      if (i.severity === 'error') fatal++;
    }
    if (fatal > 1) problems.push(`${fatal} fatal issues in one capture`);
  }
  const frames = result.captures.reduce((n, c) => n + c.frames, 0);
  if (result.summary.frames !== frames) problems.push(`summary.frames ${result.summary.frames} != ${frames} read`);
  if (result.verdict === 'fail' && result.summary.findingsBySeverity.error === 0) problems.push('verdict fail without error findings');
  return problems;
}

const SHARD_SUMMARY = 'fuzz-shard-summary';

function summaryText(s) {
  return (
    `fuzz: done: seed ${s.seed}, ${s.done} cases (${s.first}..${s.first + s.done - 1}) in ${s.secs.toFixed(1)} s, ${(s.done / s.secs).toFixed(0)} cases/s, ` +
    `${s.failures} failures, peak rss ${(s.maxRss / 2 ** 20).toFixed(0)} MiB, ${s.slowOnce} over the CPU-time budget once but not when rerun\n` +
    `  slowest per KiB: case ${s.worst.index}, ${s.worst.size} bytes in ${s.worst.ms.toFixed(1)} ms CPU\n` +
    `  verdicts: ${Object.entries(s.verdicts).map(([k, v]) => `${k} ${v}`).join(', ')}\n` +
    `  issue codes: ${Object.entries(s.codes).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`
  );
}

/**
 * The parent of a --jobs run: one child per shard over the same seed and case range, their
 * lines passed through, their summaries added up. A child that dies without a summary is a
 * failure of the run, not something to average away.
 */
async function runShards(args, seed, root, fixturePaths) {
  const J = args.jobs;
  console.log(`fuzz: seed ${seed}, ${fixturePaths.length} fixtures (${fixturePaths.map((p) => relative(root, p)).join(', ')}), ${J} processes`);
  console.log(`fuzz: reproduce with: node scripts/fuzz.mjs --seed ${seed} --case I   (one case) or --cases N`);
  const started = Date.now();
  const script = fileURLToPath(import.meta.url);
  const runs = Array.from({ length: J }, (_, k) => {
    const argv = [script, '--seed', String(seed), '--cases', String(args.cases), '--out', args.out, '--shard', `${k}/${J}`];
    if (Number.isFinite(args.seconds)) argv.push('--seconds', String(args.seconds));
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let summary = null;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith(SHARD_SUMMARY + ' ')) summary = JSON.parse(line.slice(SHARD_SUMMARY.length + 1));
      else console.log(line);
    });
    return new Promise((resolve) => child.on('close', (code) => resolve({ k, code, summary })));
  });
  const results = await Promise.all(runs);
  const total = { seed, first: 0, done: 0, failures: 0, maxRss: 0, slowOnce: 0, worst: { perKiB: 0, ms: 0, index: -1, size: 0 }, bytesTotal: 0, secs: (Date.now() - started) / 1000, verdicts: {}, codes: {} };
  let broken = 0;
  for (const { k, code, summary } of results) {
    if (!summary) {
      console.log(`fuzz: shard ${k} exited ${code} without a summary`);
      broken++;
      continue;
    }
    total.done += summary.done;
    total.failures += summary.failures;
    total.maxRss = Math.max(total.maxRss, summary.maxRss);
    total.slowOnce += summary.slowOnce;
    total.bytesTotal += summary.bytesTotal;
    if (summary.worst.perKiB > total.worst.perKiB) total.worst = summary.worst;
    for (const [key, n] of Object.entries(summary.verdicts)) total.verdicts[key] = (total.verdicts[key] ?? 0) + n;
    for (const [key, n] of Object.entries(summary.codes)) total.codes[key] = (total.codes[key] ?? 0) + n;
  }
  console.log(summaryText(total));
  process.exitCode = total.failures || broken ? 1 : 0;
}

function parseArgs(argv) {
  const a = { cases: 1_000_000, seed: undefined, seconds: Infinity, out: tmpdir(), replay: undefined, case: undefined, jobs: availableParallelism(), shard: undefined };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    const num = () => {
      const n = Number(v);
      if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${k} needs a non-negative number, got ${v}`);
      i++;
      return n;
    };
    if (k === '--cases') a.cases = num();
    else if (k === '--seed') a.seed = num() >>> 0;
    else if (k === '--seconds') a.seconds = num();
    else if (k === '--case') a.case = num();
    else if (k === '--jobs') a.jobs = Math.max(1, Math.floor(num()));
    else if (k === '--shard') {
      // Internal: `k/J`, set by the parent of a --jobs run.
      const m = /^(\d+)\/(\d+)$/.exec(v ?? '');
      if (!m || Number(m[1]) >= Number(m[2])) throw new Error(`--shard needs k/J with k < J, got ${v}`);
      a.shard = { index: Number(m[1]), of: Number(m[2]) };
      i++;
    }
    else if (k === '--out') {
      a.out = v;
      i++;
    } else if (k === '--replay') {
      a.replay = v;
      i++;
    } else throw new Error(`unknown argument ${k} (--cases N --seed S --seconds T --jobs J --case I --out DIR --replay FILE)`);
  }
  return a;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
  const dist = join(root, 'dist');
  if (!existsSync(join(dist, 'check/check.js'))) throw new Error('dist/ not built: run npx tsc -p tsconfig.json first');
  const { checkCaptures } = await import(pathToFileURL(join(dist, 'check/check.js')).href);
  const { formatJson } = await import(pathToFileURL(join(dist, 'report/json.js')).href);
  const { formatTable } = await import(pathToFileURL(join(dist, 'report/table.js')).href);
  const { plainStyle } = await import(pathToFileURL(join(dist, 'report/style.js')).href);
  // Every reporter (junit, markdown, html...) under a strict CI gate.
  const { FORMATS, reporters } = await import(pathToFileURL(join(dist, 'report/index.js')).href);
  const { gate } = await import(pathToFileURL(join(dist, 'report/gate.js')).href);
  const { rules } = await import(pathToFileURL(join(dist, 'rules/index.js')).href);
  const ruleList = rules.map((r) => ({ id: r.id, kind: r.kind }));
  const strictGate = { failOn: 'incomplete', minFlows: 1, expectRs: 2 };

  // tmpfs when there is one: a case writes one small file.
  const work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'lvs-fuzz-'));
  const file = join(work, 'case.cap');
  process.on('exit', () => rmSync(work, { recursive: true, force: true }));

  // CPU time, not wall time: linear cost is a property of the code, and a fuzz run shares the
  // machine (with --jobs siblings, with nice) without that being a failure.
  const runOne = async (bytes) => {
    writeFileSync(file, bytes);
    const t0 = process.cpuUsage();
    const result = await checkCaptures([file]);
    formatJson(result);
    formatTable(result, { style: plainStyle, allFlows: true, timeline: true });
    const gateResult = gate(result, strictGate);
    const options = { style: plainStyle, allFlows: true, timeline: true, rules: ruleList, gate: strictGate, gateResult };
    let written = 0;
    for (const format of FORMATS) reporters[format](result, options, (text) => (written += text.length));
    if (written === 0) throw new Error('the reporters wrote nothing');
    const used = process.cpuUsage(t0);
    const ms = (used.user + used.system) / 1000;
    return { result, ms };
  };

  if (args.replay) {
    const bytes = readFileSync(args.replay);
    const { result, ms } = await runOne(bytes);
    const problems = checkInvariants(result, bytes.length);
    console.log(`replay ${args.replay}: ${bytes.length} bytes, ${ms.toFixed(1)} ms, verdict ${result.verdict}, frames ${result.summary.frames}, issues ${JSON.stringify(result.captures[0].issues)}`);
    if (problems.length) console.log(`invariant problems:\n  ${problems.join('\n  ')}`);
    process.exitCode = problems.length ? 1 : 0;
    return;
  }

  const fixturePaths = listFixtureCaptures(join(root, 'fixtures'));
  if (fixturePaths.length === 0) throw new Error('no fixture captures under fixtures/');
  // Mutate the capture bytes, not the deflate stream: a gz fixture is inflated first, and a case
  // with `gzip` set is compressed again afterwards (the reader's gunzip path sees valid deflate
  // of damaged content; cases that damage the .gz itself come from splices and flips of it).
  const fixtures = fixturePaths.map((p) => {
    const raw = readFileSync(p);
    return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  });
  const gzFixtures = fixturePaths.map((p) => (p.endsWith('.gz') ? readFileSync(p) : null)).filter((x) => x !== null);

  const seed = args.seed ?? (Math.random() * 2 ** 32) >>> 0;
  if (!args.shard && args.case === undefined && args.jobs > 1) return runShards(args, seed, root, fixturePaths);
  if (!args.shard) {
    console.log(`fuzz: seed ${seed}, ${fixtures.length} fixtures (${fixturePaths.map((p) => relative(root, p)).join(', ')})`);
    console.log(`fuzz: reproduce with: node scripts/fuzz.mjs --seed ${seed} --case I   (one case) or --cases N`);
  }
  const step = args.shard?.of ?? 1;
  const tag = args.shard ? `fuzz[${args.shard.index}]` : 'fuzz';

  const first = args.case ?? 0;
  const last = args.case !== undefined ? args.case + 1 : args.cases;
  const started = Date.now();
  let done = 0;
  let bytesTotal = 0;
  let worst = { perKiB: 0, ms: 0, index: -1, size: 0 };
  let maxRss = 0;
  const verdicts = new Map();
  const codes = new Map();
  let failures = 0;
  let slowOnce = 0;
  let lastReport = started;
  for (let i = first + (args.shard?.index ?? 0); i < last; i += step) {
    const spec = randomMutations(seed, i);
    const fi = spec.fixture % fixtures.length;
    let bytes;
    if (spec.gzip && gzFixtures.length && spec.mutations[0].kind === 'flip') {
      // Damage the compressed bytes themselves: corrupt deflate, bad CRC, cut trailer.
      bytes = mutate(gzFixtures[spec.fixture % gzFixtures.length], spec.mutations, gzFixtures);
    } else {
      bytes = mutate(fixtures[fi], spec.mutations, fixtures);
      if (spec.gzip) bytes = gzipSync(bytes, { level: 1 });
    }
    let failure = null;
    try {
      const { result, ms } = await runOne(bytes);
      const problems = checkInvariants(result, bytes.length);
      // Linear time: a generous per-KiB budget above a fixed floor (GC pauses, first-case JIT).
      const budget = 250 + bytes.length / 1024 * 20;
      if (ms > budget) {
        // Once more before calling it slow: a GC pause or another process on the box is noise,
        // a superlinear path is slow every time.
        const again = (await runOne(bytes)).ms;
        if (again > budget) problems.push(`took ${ms.toFixed(0)} ms, then ${again.toFixed(0)} ms, for ${bytes.length} bytes (budget ${budget.toFixed(0)} ms)`);
        else slowOnce++;
      }
      if (problems.length) failure = problems.join('; ');
      const perKiB = ms / Math.max(1, bytes.length / 1024);
      if (done > 100 && perKiB > worst.perKiB) worst = { perKiB, ms, index: i, size: bytes.length };
      verdicts.set(result.verdict, (verdicts.get(result.verdict) ?? 0) + 1);
      for (const is of result.captures[0].issues) codes.set(is.code, (codes.get(is.code) ?? 0) + 1);
    } catch (err) {
      failure = `threw: ${err instanceof Error ? err.stack : String(err)}`;
    }
    done++;
    bytesTotal += bytes.length;
    if (failure) {
      failures++;
      const repro = join(args.out, `lvs-fuzz-seed${seed}-case${i}.cap`);
      // The reproducer must never be lost to a missing directory: say the failure first.
      console.log(`FAIL case ${i}: ${failure}`);
      mkdirSync(args.out, { recursive: true });
      writeFileSync(repro, bytes);
      console.log(`FAIL case ${i} (fixture ${relative(root, fixturePaths[fi])}, mutations ${JSON.stringify(spec.mutations)}, gzip ${spec.gzip}):\n  ${failure}\n  reproducer: ${repro}\n  rerun: node scripts/fuzz.mjs --seed ${seed} --case ${i}   or   node dist/cli/main.js check ${repro}`);
      if (failures >= 20) {
        console.log('fuzz: 20 failures, stopping');
        break;
      }
    }
    const now = Date.now();
    if (now - lastReport >= 30_000) {
      lastReport = now;
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
      const secs = (now - started) / 1000;
      console.log(`${tag}: ${done} cases in ${secs.toFixed(0)} s (${(done / secs).toFixed(0)} cases/s, ${(bytesTotal / secs / 1e6).toFixed(1)} MB/s), ${failures} failures, rss ${(maxRss / 2 ** 20).toFixed(0)} MiB`);
    }
    if ((now - started) / 1000 >= args.seconds) break;
  }
  maxRss = Math.max(maxRss, process.memoryUsage().rss);
  const summary = {
    seed, first, done, failures, maxRss, slowOnce, worst, bytesTotal,
    secs: (Date.now() - started) / 1000,
    verdicts: Object.fromEntries(verdicts),
    codes: Object.fromEntries(codes),
  };
  if (args.shard) console.log(`${SHARD_SUMMARY} ${JSON.stringify(summary)}`);
  else console.log(summaryText(summary));
  process.exitCode = failures ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`fuzz: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  });
}
