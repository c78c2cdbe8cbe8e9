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
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
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

// ---- crafted shapes ---------------------------------------------------------------------------
// Captures no fixture mutation reaches in practice: a small file built to make the reader say a
// lot, the clock show the impossible, one flow hold huge frames, the address book fill up.
// Plain objects again, so fast-check can generate them and a failure prints what was built.
//   { shape: 'sections', pairs, declare, iface, linkType }   SHB (+ IDB) + EPB, repeated
//   { shape: 'interfaces', count, spread, packets }          one section, many IDBs, packets naming any id
//   { shape: 'timestamps', tsresol, tsoffset, hi, lo, gap }  a failover at an extreme time
//   { shape: 'huge', frames, size, copies }                  one TCP flow of big frames (and director copies)
//   { shape: 'claims', count }                               ARP replies each claiming another address

const TS_EXTREMES = [0, 1, 0x7fffffff, 0x80000000, 0xf0000000, 0xffffffff];
const TSOFFSETS = [0n, 1n, -1n, 2n ** 62n, -(2n ** 62n), 2n ** 63n - 1n, -(2n ** 63n)];
const TSRESOLS = [0, 3, 6, 9, 19, 0x80, 0x80 | 10, 0x80 | 23, 0x80 | 24, 0x80 | 63];

function blockLE(type, body) {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(type >>> 0, 0);
  b.writeUInt32LE(len, 4);
  body.copy(b, 8);
  b.writeUInt32LE(len, len - 4);
  return b;
}
function shbLE() {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(0x1a2b3c4d, 0);
  body.writeUInt16LE(1, 4);
  body.fill(0xff, 8, 16);
  return blockLE(0x0a0d0d0a, body);
}
function idbLE(linkType, options = Buffer.alloc(0)) {
  const body = Buffer.alloc(8 + options.length);
  body.writeUInt16LE(linkType & 0xffff, 0);
  body.writeUInt32LE(262144, 4);
  options.copy(body, 8);
  return blockLE(1, body);
}
function epbLE(iface, hi, lo, frame) {
  const body = Buffer.alloc(20 + frame.length);
  body.writeUInt32LE(iface >>> 0, 0);
  body.writeUInt32LE(hi >>> 0, 4);
  body.writeUInt32LE(lo >>> 0, 8);
  body.writeUInt32LE(frame.length, 12);
  body.writeUInt32LE(frame.length, 16);
  frame.copy(body, 20);
  return blockLE(6, body);
}
function pcapLE(records) {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(1, 20);
  const parts = [head];
  records.forEach((frame, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_700_000_000 + Math.floor(i / 1000), 0);
    h.writeUInt32LE((i % 1000) * 1000, 4);
    h.writeUInt32LE(frame.length, 8);
    h.writeUInt32LE(frame.length, 12);
    parts.push(h, frame);
  });
  return Buffer.concat(parts);
}
const DIRECTOR = [0x00, 0x0c, 0x29, 0x50, 0xd5, 0x63];
const STANDBY = [0x00, 0x0c, 0x29, 0x50, 0xd5, 0x64];
const CLIENT = [0x00, 0x0c, 0x29, 0xf3, 0x1f, 0xde];
const RS = [0x00, 0x0c, 0x29, 0xe4, 0x4d, 0x1f];
const VIP = [192, 168, 188, 120];
function gratuitousArp(mac, ip) {
  return Buffer.from([...new Array(6).fill(0xff), ...mac, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1, ...mac, ...ip, ...new Array(6).fill(0xff), ...ip, ...new Array(18).fill(0)]);
}
function tcpFrame(srcMac, dstMac, src, dst, sport, dport, flags, seq, id, payload) {
  const ip = Buffer.alloc(20 + 20 + payload);
  ip[0] = 0x45;
  ip.writeUInt16BE(Math.min(0xffff, ip.length), 2);
  ip.writeUInt16BE(id & 0xffff, 4);
  ip[6] = 0x40;
  ip[8] = 64;
  ip[9] = 6;
  Buffer.from(src).copy(ip, 12);
  Buffer.from(dst).copy(ip, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  ip.writeUInt16BE(~sum & 0xffff, 10);
  ip.writeUInt16BE(sport, 20);
  ip.writeUInt16BE(dport, 22);
  ip.writeUInt32BE(seq >>> 0, 24);
  ip[32] = 0x50;
  ip[33] = flags;
  ip.writeUInt16BE(65535, 34);
  ip.fill(0x41, 40);
  return Buffer.concat([Buffer.from([...dstMac, ...srcMac, 0x08, 0x00]), ip]);
}
/** The director's copy of a client frame: new MACs, TTL one lower, header checksum redone. */
function copyOf(frame) {
  const c = Buffer.from(frame);
  Buffer.from(RS).copy(c, 0);
  Buffer.from(DIRECTOR).copy(c, 6);
  c[14 + 8]--;
  c.writeUInt16BE(0, 14 + 10);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += c.readUInt16BE(14 + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  c.writeUInt16BE(~sum & 0xffff, 14 + 10);
  return c;
}

/** The capture a crafted spec describes. */
export function craft(spec) {
  switch (spec.shape) {
    case 'sections': {
      const unit = Buffer.concat([shbLE(), ...(spec.declare ? [idbLE(spec.linkType)] : []), epbLE(spec.iface, 0x00060a24, 0x18202240, gratuitousArp(DIRECTOR, VIP))]);
      return Buffer.concat(new Array(spec.pairs).fill(unit));
    }
    case 'interfaces': {
      const parts = [shbLE()];
      for (let i = 0; i < spec.count; i++) parts.push(idbLE(LINK_TYPES[(i * spec.spread) % LINK_TYPES.length] + (i % 7 === 0 ? 1000 + i : 0)));
      for (let i = 0; i < spec.packets; i++) parts.push(epbLE((i * 2654435761) % (spec.count + 16), 0, i, gratuitousArp(DIRECTOR, VIP)));
      return Buffer.concat(parts);
    }
    case 'timestamps': {
      const opts = [];
      if (spec.tsresol !== undefined) {
        const o = Buffer.alloc(8);
        o.writeUInt16LE(9, 0);
        o.writeUInt16LE(1, 2);
        o[4] = spec.tsresol;
        opts.push(o);
      }
      if (spec.tsoffset !== undefined) {
        const o = Buffer.alloc(12);
        o.writeUInt16LE(14, 0);
        o.writeUInt16LE(8, 2);
        o.writeBigInt64LE(BigInt(spec.tsoffset), 4);
        opts.push(o);
      }
      if (opts.length > 0) opts.push(Buffer.alloc(4));
      const parts = [shbLE(), idbLE(1, Buffer.concat(opts))];
      const frames = [gratuitousArp(DIRECTOR, VIP), tcpFrame(CLIENT, DIRECTOR, [192, 168, 188, 111], VIP, 40000, 80, 0x02, 1, 1, 0), gratuitousArp(STANDBY, VIP)];
      frames.forEach((f, i) => parts.push(epbLE(0, spec.hi, (spec.lo + i * spec.gap) >>> 0, f)));
      return Buffer.concat(parts);
    }
    case 'huge': {
      const frames = [];
      for (let i = 0; i < spec.frames; i++) {
        const f = tcpFrame(CLIENT, DIRECTOR, [192, 168, 188, 111], VIP, 40000, 80, i === 0 ? 0x02 : 0x18, 1000 + i * spec.size, i, i === 0 ? 0 : spec.size);
        frames.push(f);
        if (spec.copies) frames.push(copyOf(f));
      }
      return pcapLE(frames);
    }
    case 'claims': {
      const frames = [];
      for (let i = 0; i < spec.count; i++) frames.push(gratuitousArp([0x00, 0x0c, 0x29, 0, (i >> 8) & 255, i & 255], [10, (i >> 16) & 255, (i >> 8) & 255, i & 255]));
      return pcapLE(frames);
    }
    default:
      throw new Error(`unknown shape ${JSON.stringify(spec)}`);
  }
}

/** A crafted spec from the PRNG `r`; sizes kept so that a case runs in a fraction of a second. */
export function randomCrafted(r) {
  const int = (n) => Math.floor(r() * n);
  switch (int(5)) {
    case 0:
      return { shape: 'sections', pairs: 1 + int(20_000), declare: int(2) === 0, iface: int(3), linkType: LINK_TYPES[int(LINK_TYPES.length)] };
    case 1:
      return { shape: 'interfaces', count: 1 + int(3000), spread: 1 + int(7), packets: int(2000) };
    case 2: {
      const spec = { shape: 'timestamps', hi: TS_EXTREMES[int(TS_EXTREMES.length)], lo: TS_EXTREMES[int(TS_EXTREMES.length)], gap: [0, 1, 1_000_000, 0x7fffffff][int(4)] };
      if (int(2) === 0) spec.tsresol = TSRESOLS[int(TSRESOLS.length)];
      if (int(2) === 0) spec.tsoffset = String(TSOFFSETS[int(TSOFFSETS.length)]);
      return spec;
    }
    case 3:
      return { shape: 'huge', frames: 1 + int(24), size: [1460, 9000, 65000, 200_000, 262_000][int(5)], copies: int(2) === 0 };
    default:
      return { shape: 'claims', count: 1 + int(70_000) };
  }
}

// ---- hostile names -----------------------------------------------------------------------------

/** Pieces a hostile file name is made of: escape sequences, line breaks, markup, bidi, stray bytes. */
export const NAME_PIECES = [
  '\u001b[2J', '\u001b[1A\r\u001b[2K', '\u001b]0;title\u0007', '\r', '\n', '\t', '\u0000x', '\u007f', '\u0085', '\u009b31m',
  '\u202e', '\u2066', '\u2028', '|', '`', '#', '<img src=x onerror=alert(1)>', ']]>', '&amp;', '"', "'", '\\', ' ', 'é', '🙂',
  '\udce9', '\udcff', 'lvs-pcap check: PASS',
];

/** A file name (no '/', no NUL) from NAME_PIECES; non-UTF-8 bytes as U+DC80+byte (src/capture/fs-path.ts). */
export function hostileName(r) {
  let name = '';
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) name += NAME_PIECES[Math.floor(r() * NAME_PIECES.length)];
  return name.replace(/\u0000/g, '') + '.pcap';
}

/** Characters no text report may carry raw: C0 but the newline, DEL, C1, bidi controls, lone surrogates. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]/u;

/** Problems with text reports (table, Markdown, JUnit, HTML): a control character that could change what shows them. */
export function checkPrintable(reports) {
  const problems = [];
  for (const [format, text] of Object.entries(reports)) {
    const m = RAW_CONTROL.exec(text);
    if (m) problems.push(`${format} report holds U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} raw at ${m.index}: ${JSON.stringify(text.slice(Math.max(0, m.index - 30), m.index + 10))}`);
  }
  return problems;
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

/**
 * The mutations of case `index` under `seed`: independent of every other case. One case in
 * four starts from a crafted capture instead of a fixture (then 0-2 mutations on top), and one
 * in four is written under a hostile file name.
 */
export function randomMutations(seed, index) {
  const r = prng((seed ^ Math.imul(index + 1, 0x27d4eb2d)) >>> 0);
  const int = (n) => Math.floor(r() * n);
  const crafted = int(4) === 0 ? randomCrafted(r) : undefined;
  const name = int(4) === 0 ? hostileName(r) : undefined;
  const count = crafted ? int(3) : 1 + int(4);
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
  return { fixture: int(1 << 16), gzip: int(8) === 0, mutations: out, ...(crafted ? { crafted } : {}), ...(name !== undefined ? { name } : {}) };
}

/**
 * Checks the invariants the CLI's one-line messages and exit statuses rely on. `issuesPerCode`:
 * the most issues of one code a capture may list (the reader's cap plus its closing count).
 */
export function checkInvariants(result, bytesLength, issuesPerCode = Infinity) {
  const problems = [];
  for (const c of result.captures) {
    let fatal = 0;
    const perCode = new Map();
    for (const i of c.issues) perCode.set(i.code, (perCode.get(i.code) ?? 0) + 1);
    for (const [code, n] of perCode) if (n > issuesPerCode) problems.push(`${n} issues of code ${code} (at most ${issuesPerCode})`);
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
    `  cases from: ${Object.entries(s.shapes ?? {}).sort().map(([k, v]) => `${k} ${v}`).join(', ')}\n` +
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
    // A signal to the parent alone (not to its process group) stops the shards too; the parent
    // then sums up what they did.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
    let summary = null;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith(SHARD_SUMMARY + ' ')) summary = JSON.parse(line.slice(SHARD_SUMMARY.length + 1));
      else console.log(line);
    });
    return new Promise((resolve) => child.on('close', (code) => resolve({ k, code, summary })));
  });
  const results = await Promise.all(runs);
  const total = { seed, first: 0, done: 0, failures: 0, maxRss: 0, slowOnce: 0, worst: { perKiB: 0, ms: 0, index: -1, size: 0 }, bytesTotal: 0, secs: (Date.now() - started) / 1000, verdicts: {}, codes: {}, shapes: {} };
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
    for (const [key, n] of Object.entries(summary.shapes)) total.shapes[key] = (total.shapes[key] ?? 0) + n;
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
  const { writeEvidence } = await import(pathToFileURL(join(dist, 'report/evidence.js')).href);
  const { fsPath } = await import(pathToFileURL(join(dist, 'capture/fs-path.js')).href);
  const { MAX_ISSUES_PER_CODE } = await import(pathToFileURL(join(dist, 'capture/context.js')).href);
  const devNull = openSync('/dev/null', 'w');
  const ruleList = rules.map((r) => ({ id: r.id, kind: r.kind }));
  const strictGate = { failOn: 'incomplete', minFlows: 1, expectRs: 2 };

  // tmpfs when there is one: a case writes one small file.
  const work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'lvs-fuzz-'));
  const file = join(work, 'case.cap');
  process.on('exit', () => rmSync(work, { recursive: true, force: true }));
  // A campaign stopped by Ctrl-C or kill leaves no case file behind in /dev/shm either (the
  // parent of --jobs shards waits for them instead: runShards).
  const shardParent = !args.shard && args.case === undefined && args.jobs > 1;
  if (!shardParent) for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) process.on(signal, () => process.exit(code));

  // CPU time, not wall time: linear cost is a property of the code, and a fuzz run shares the
  // machine (with --jobs siblings, with nice) without that being a failure.
  // A case under a hostile name is written to its own file (the name may hold bytes that are
  // not UTF-8: fsPath gives the file system the bytes the string carries).
  const runOne = async (bytes, name, evidence) => {
    const path = name === undefined ? file : join(work, name);
    writeFileSync(fsPath(path), bytes);
    try {
      const t0 = process.cpuUsage();
      const result = await checkCaptures([path]);
      formatJson(result);
      formatTable(result, { style: plainStyle, allFlows: true, timeline: true });
      const gateResult = gate(result, strictGate);
      const options = { style: plainStyle, allFlows: true, timeline: true, rules: ruleList, gate: strictGate, gateResult };
      const texts = {};
      for (const format of FORMATS) {
        let text = '';
        reporters[format](result, options, (t) => (text += t));
        texts[format] = text;
      }
      if (Object.values(texts).every((t) => t.length === 0)) throw new Error('the reporters wrote nothing');
      if (evidence && result.findings.length > 0) await writeEvidence(result, devNull, { flows: true });
      const used = process.cpuUsage(t0);
      const ms = (used.user + used.system) / 1000;
      delete texts.json;
      return { result, ms, texts };
    } finally {
      if (name !== undefined) rmSync(fsPath(path), { force: true });
    }
  };

  if (args.replay) {
    const bytes = readFileSync(args.replay);
    const { result, ms, texts } = await runOne(bytes, undefined, true);
    const problems = [...checkInvariants(result, bytes.length, MAX_ISSUES_PER_CODE + 1), ...checkPrintable(texts)];
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
  if (shardParent) return runShards(args, seed, root, fixturePaths);
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
  // What the cases were built from: a fixture or a crafted shape, and how many had hostile names.
  const shapes = new Map();
  const codes = new Map();
  let failures = 0;
  let slowOnce = 0;
  let lastReport = started;
  for (let i = first + (args.shard?.index ?? 0); i < last; i += step) {
    const spec = randomMutations(seed, i);
    const fi = spec.fixture % fixtures.length;
    let bytes;
    if (spec.crafted) {
      bytes = mutate(craft(spec.crafted), spec.mutations, fixtures);
      if (spec.gzip) bytes = gzipSync(bytes, { level: 1 });
    } else if (spec.gzip && gzFixtures.length && spec.mutations[0].kind === 'flip') {
      // Damage the compressed bytes themselves: corrupt deflate, bad CRC, cut trailer.
      bytes = mutate(gzFixtures[spec.fixture % gzFixtures.length], spec.mutations, gzFixtures);
    } else {
      bytes = mutate(fixtures[fi], spec.mutations, fixtures);
      if (spec.gzip) bytes = gzipSync(bytes, { level: 1 });
    }
    let failure = null;
    // Evidence (every frame of the flows with findings, to /dev/null) for the huge-frame shape
    // and one case in 32: the second pass is where a big flow's frames could pile up.
    const evidence = spec.crafted?.shape === 'huge' || i % 32 === 0;
    try {
      const { result, ms, texts } = await runOne(bytes, spec.name, evidence);
      const problems = [...checkInvariants(result, bytes.length, MAX_ISSUES_PER_CODE + 1), ...checkPrintable(texts)];
      // Linear time: a generous per-KiB budget above a fixed floor (GC pauses, first-case JIT).
      const budget = 250 + bytes.length / 1024 * 20;
      if (ms > budget) {
        // Once more before calling it slow: a GC pause or another process on the box is noise,
        // a superlinear path is slow every time.
        const again = (await runOne(bytes, spec.name, evidence)).ms;
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
    const shape = spec.crafted?.shape ?? 'fixture';
    shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
    if (spec.name !== undefined) shapes.set('hostile name', (shapes.get('hostile name') ?? 0) + 1);
    if (failure) {
      failures++;
      const repro = join(args.out, `lvs-fuzz-seed${seed}-case${i}.cap`);
      // The reproducer must never be lost to a missing directory: say the failure first.
      console.log(`FAIL case ${i}: ${failure}`);
      mkdirSync(args.out, { recursive: true });
      writeFileSync(repro, bytes);
      const base = spec.crafted ? `crafted ${JSON.stringify(spec.crafted)}` : `fixture ${relative(root, fixturePaths[fi])}`;
      const named = spec.name !== undefined ? `, name ${JSON.stringify(spec.name)}` : '';
      console.log(`FAIL case ${i} (${base}, mutations ${JSON.stringify(spec.mutations)}, gzip ${spec.gzip}${named}):\n  ${failure}\n  reproducer: ${repro}\n  rerun: node scripts/fuzz.mjs --seed ${seed} --case ${i}   or   node dist/cli/main.js check ${repro}`);
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
    shapes: Object.fromEntries(shapes),
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
