#!/usr/bin/env node
/**
 * Writes a synthetic, healthy LVS-DR capture (classic pcap, µs, Ethernet) as a mirror port on the
 * director's segment would record it: every client->VIP frame twice (router->director, then the
 * director's copy to the chosen RS with TTL-1), RS replies straight to the router with source VIP,
 * plus a few ARP exchanges. Deterministic: seeded PRNG, fixed base timestamp, so two runs with the
 * same arguments give the same bytes (the bench relies on that to cache files).
 *
 *   node scripts/gen-dr-capture.mjs [--frames 1000000] [--flows 50000] [--concurrency N]
 *                                   [--syn-flood] [--gzip] [--seed 1] [--out FILE|-]
 *
 * `--out -` writes the capture to stdout, as `tcpdump -U -w -` would, for a pipe into
 * `lvs-pcap watch -` (scripts/soak-watch.mjs): the stream waits for its reader, so a capture far
 * larger than the disk can be fed through.
 *
 * Self-contained on purpose (plain Node, no TypeScript loader, no test builder). Speed comes from
 * writing every header byte by hand into one large buffer and computing the TCP checksum from a
 * precomputed sum of the shared payload, so nothing is allocated per frame.
 */
import { closeSync, mkdirSync, openSync, writeSync, createWriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';

// ---- arguments ----------------------------------------------------------------------------------

function parseArgs(argv) {
  const a = { frames: 1_000_000, flows: 50_000, concurrency: 0, synFlood: false, gzip: false, seed: 1, out: '' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${k} needs a non-negative integer`);
      return v;
    };
    if (k === '--frames') a.frames = num();
    else if (k === '--flows') a.flows = Math.max(1, num());
    else if (k === '--concurrency') a.concurrency = num();
    else if (k === '--seed') a.seed = num();
    else if (k === '--syn-flood') a.synFlood = true;
    else if (k === '--gzip') a.gzip = true;
    else if (k === '--out') a.out = argv[++i] ?? '';
    else if (k === '--help' || k === '-h') {
      process.stdout.write(usage());
      process.exit(0);
    } else throw new Error(`unknown argument ${k}`);
  }
  // Flows last about a tenth of the capture by default: a flow table that grows, then turns over.
  if (a.concurrency === 0) a.concurrency = Math.max(1, Math.ceil(a.flows / 10));
  if (!a.out) a.out = `bench-out/dr-${a.synFlood ? 'synflood-' : ''}${a.frames}.pcap${a.gzip ? '.gz' : ''}`;
  return a;
}

function usage() {
  return 'usage: gen-dr-capture.mjs [--frames N] [--flows N] [--concurrency N] [--syn-flood] [--gzip] [--seed N] [--out FILE]\n';
}

// ---- topology (the classic lab) -------------------------------------------------------------------

const mac = (s) => Uint8Array.from(s.split(':'), (h) => parseInt(h, 16));
const ip = (s) => s.split('.').reduce((n, o) => n * 256 + Number(o), 0);

const VIP = ip('192.168.188.120');
const VPORT = 80;
const DIRECTOR = { ip: ip('192.168.188.108'), mac: mac('00:0c:29:50:d5:63') };
const RSS = [
  { ip: ip('192.168.188.107'), mac: mac('00:0c:29:e4:4d:1f') },
  { ip: ip('192.168.188.110'), mac: mac('00:0c:29:2c:a5:a0') },
];
const LAB_CLIENT = { ip: ip('192.168.188.111'), mac: mac('00:0c:29:f3:1f:de') };
/** Gateway for routed clients: their frames come from it, correct RS replies go to it. */
const ROUTER = { ip: ip('192.168.188.1'), mac: mac('00:0c:29:00:00:01') };
const BROADCAST = mac('ff:ff:ff:ff:ff:ff');
const ZERO_MAC = new Uint8Array(6);
const T0_US = 1_700_000_000 * 1_000_000;

// ---- PRNG (mulberry32: small, fast, good enough for traffic shapes) ---------------------------------

function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- output --------------------------------------------------------------------------------------------

const CHUNK = 8 << 20;
const MAX_FRAME = 16 + 1514;

class Out {
  constructor(path, gzip) {
    this.gzip = gzip;
    this.stdout = path === '-';
    if (!this.stdout) mkdirSync(dirname(path), { recursive: true });
    if (gzip) {
      this.gz = createGzip({ level: 1 });
      this.file = this.stdout ? process.stdout : createWriteStream(path);
      this.gz.pipe(this.file);
    } else if (!this.stdout) {
      this.fd = openSync(path, 'w');
    }
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
    this.bytes = 0;
  }
  /** Called between frames: passes the chunk on when the next frame might not fit. */
  async maybeFlush() {
    // A step writes at most two frames (a client frame and its copy, or an ARP pair).
    if (this.pos + 2 * MAX_FRAME > CHUNK) await this.flush();
  }
  async flush() {
    if (this.pos === 0) return;
    this.bytes += this.pos;
    if (this.gzip || this.stdout) {
      // The stream keeps the buffer: hand it over and start a new one.
      const stream = this.gzip ? this.gz : process.stdout;
      const ok = stream.write(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(CHUNK);
      if (!ok) await once(stream, 'drain');
    } else {
      let done = 0;
      while (done < this.pos) done += writeSync(this.fd, this.buf, done, this.pos - done);
    }
    this.pos = 0;
  }
  async close() {
    await this.flush();
    if (this.gzip && this.stdout) {
      this.gz.end();
      await once(this.gz, 'end');
    } else if (this.gzip) {
      this.gz.end();
      await once(this.file, 'finish');
    } else if (this.stdout) {
      if (process.stdout.writableNeedDrain) await once(process.stdout, 'drain');
    } else closeSync(this.fd);
  }
}

// ---- frame writers ---------------------------------------------------------------------------------------

/** Shared TCP payload: HTTP-looking text; segments are prefixes of it. */
const PAYLOAD = Buffer.alloc(1448);
{
  const text = Buffer.from(
    'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: 4096\r\n\r\n' +
      '<html><body>' +
      'lvs-pcap synthetic direct-routing traffic '.repeat(40),
  );
  for (let i = 0; i < PAYLOAD.length; i++) PAYLOAD[i] = text[i % text.length];
}
/** PREFIX[w] = sum of the first w 16-bit words of PAYLOAD (no folding: fits easily in a double). */
const PREFIX = new Float64Array(PAYLOAD.length / 2 + 1);
for (let w = 0; w < PAYLOAD.length / 2; w++) PREFIX[w + 1] = PREFIX[w] + ((PAYLOAD[2 * w] << 8) | PAYLOAD[2 * w + 1]);

function payloadSum(len) {
  const w = len >> 1;
  return PREFIX[w] + (len & 1 ? PAYLOAD[len - 1] << 8 : 0);
}

function fold(sum) {
  while (sum > 0xffff) sum = (sum % 65536) + Math.floor(sum / 65536);
  return sum;
}

// SYN options as Linux sends them: MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
const SYN_OPTS = [2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7];
// Other segments: NOP, NOP, timestamps.
const ACK_OPTS = [1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0];

/**
 * One TCP/IPv4/Ethernet frame at out.pos. `tsval` fills both timestamp fields (enough to look
 * alive; nothing checks them).
 */
function writeTcp(out, tsUs, srcMac, dstMac, srcIp, dstIp, ttl, ipId, sport, dport, seq, ack, flags, win, payloadLen, tsval) {
  const b = out.buf;
  const opts = flags & 0x02 ? SYN_OPTS : ACK_OPTS;
  const tcpHl = 20 + opts.length;
  const ipLen = 20 + tcpHl + payloadLen;
  const caplen = 14 + ipLen;
  let p = out.pos;
  // record header
  const sec = Math.floor(tsUs / 1_000_000);
  const usec = tsUs - sec * 1_000_000;
  b.writeUInt32LE(sec, p);
  b.writeUInt32LE(usec, p + 4);
  b.writeUInt32LE(caplen, p + 8);
  b.writeUInt32LE(caplen, p + 12);
  p += 16;
  // Ethernet
  for (let i = 0; i < 6; i++) b[p + i] = dstMac[i];
  for (let i = 0; i < 6; i++) b[p + 6 + i] = srcMac[i];
  b[p + 12] = 0x08;
  b[p + 13] = 0x00;
  p += 14;
  // IPv4
  const iph = p;
  b[p] = 0x45;
  b[p + 1] = 0;
  b[p + 2] = ipLen >> 8;
  b[p + 3] = ipLen & 0xff;
  b[p + 4] = (ipId >> 8) & 0xff;
  b[p + 5] = ipId & 0xff;
  b[p + 6] = 0x40; // DF
  b[p + 7] = 0;
  b[p + 8] = ttl;
  b[p + 9] = 6;
  b[p + 10] = 0;
  b[p + 11] = 0;
  b.writeUInt32BE(srcIp, p + 12);
  b.writeUInt32BE(dstIp, p + 16);
  let s = 0;
  for (let i = 0; i < 20; i += 2) s += (b[iph + i] << 8) | b[iph + i + 1];
  s = fold(s);
  b[iph + 10] = (~s >> 8) & 0xff;
  b[iph + 11] = ~s & 0xff;
  p += 20;
  // TCP
  const th = p;
  b[p] = sport >> 8;
  b[p + 1] = sport & 0xff;
  b[p + 2] = dport >> 8;
  b[p + 3] = dport & 0xff;
  b.writeUInt32BE(seq >>> 0, p + 4);
  b.writeUInt32BE(ack >>> 0, p + 8);
  b[p + 12] = (tcpHl / 4) << 4;
  b[p + 13] = flags;
  b[p + 14] = win >> 8;
  b[p + 15] = win & 0xff;
  b[p + 16] = 0;
  b[p + 17] = 0;
  b[p + 18] = 0;
  b[p + 19] = 0;
  for (let i = 0; i < opts.length; i++) b[p + 20 + i] = opts[i];
  // timestamp value and echo reply sit at the same place in both option layouts' TS option
  const tsAt = p + 20 + (flags & 0x02 ? 8 : 4);
  b.writeUInt32BE(tsval >>> 0, tsAt);
  b.writeUInt32BE(flags & 0x10 ? (tsval - 1) >>> 0 : 0, tsAt + 4);
  p += tcpHl;
  if (payloadLen > 0) PAYLOAD.copy(b, p, 0, payloadLen);
  // checksum: pseudo-header + TCP header + payload prefix sum
  let c = (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + 6 + tcpHl + payloadLen;
  for (let i = 0; i < tcpHl; i += 2) c += (b[th + i] << 8) | b[th + i + 1];
  c = fold(c + payloadSum(payloadLen));
  b[th + 16] = (~c >> 8) & 0xff;
  b[th + 17] = ~c & 0xff;
  out.pos = p + payloadLen;
}

/** The director's copy of the frame just written: same IP packet, new MACs, TTL-1, new checksum. */
function writeCopy(out, tsUs, origStart, rsMac) {
  const b = out.buf;
  const caplen = b.readUInt32LE(origStart + 8);
  const len = 16 + caplen;
  const p = out.pos;
  b.copy(b, p, origStart, origStart + len);
  const sec = Math.floor(tsUs / 1_000_000);
  b.writeUInt32LE(sec, p);
  b.writeUInt32LE(tsUs - sec * 1_000_000, p + 4);
  for (let i = 0; i < 6; i++) b[p + 16 + i] = rsMac[i];
  for (let i = 0; i < 6; i++) b[p + 22 + i] = DIRECTOR.mac[i];
  const iph = p + 30;
  b[iph + 8] -= 1;
  // RFC 1624 incremental update: the TTL is the high byte of its word, so the sum drops by 0x100.
  let s = ((b[iph + 10] << 8) | b[iph + 11]) + 0x100;
  s = (s & 0xffff) + (s >>> 16);
  b[iph + 10] = s >> 8;
  b[iph + 11] = s & 0xff;
  out.pos = p + len;
}

function writeArp(out, tsUs, srcMac, dstMac, op, senderMac, senderIp, targetMac, targetIp) {
  const b = out.buf;
  let p = out.pos;
  const sec = Math.floor(tsUs / 1_000_000);
  b.writeUInt32LE(sec, p);
  b.writeUInt32LE(tsUs - sec * 1_000_000, p + 4);
  b.writeUInt32LE(60, p + 8);
  b.writeUInt32LE(60, p + 12);
  p += 16;
  b.fill(0, p, p + 60);
  b.set(dstMac, p);
  b.set(srcMac, p + 6);
  b.writeUInt16BE(0x0806, p + 12);
  b.writeUInt16BE(1, p + 14);
  b.writeUInt16BE(0x0800, p + 16);
  b[p + 18] = 6;
  b[p + 19] = 4;
  b.writeUInt16BE(op, p + 20);
  b.set(senderMac, p + 22);
  b.writeUInt32BE(senderIp, p + 28);
  b.set(targetMac, p + 32);
  b.writeUInt32BE(targetIp, p + 38);
  out.pos = p + 60;
}

function writeHeader(out) {
  const b = out.buf;
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeInt32LE(0, 8);
  b.writeUInt32LE(0, 12);
  b.writeUInt32LE(262144, 16);
  b.writeUInt32LE(1, 20);
  out.pos = 24;
}

// ---- traffic ---------------------------------------------------------------------------------------------

const F = { FIN: 0x01, SYN: 0x02, PSH: 0x08, ACK: 0x10 };

async function generate(a) {
  const rnd = prng(a.seed);
  const out = new Out(a.out, a.gzip);
  writeHeader(out);
  let frames = 0;
  let clock = T0_US;
  let flowsStarted = 0;
  let arps = 0;
  let labPort = 32768;
  let rr = 0;
  const tick = () => (clock += 1 + Math.floor(rnd() * 16));

  const arpPair = async (asker, askerIp, targetIp, answerer) => {
    if (frames < a.frames) {
      writeArp(out, tick(), asker.mac, BROADCAST, 1, asker.mac, askerIp, ZERO_MAC, targetIp);
      frames++;
      arps++;
    }
    if (frames < a.frames) {
      writeArp(out, tick(), answerer.mac, asker.mac, 2, answerer.mac, targetIp, asker.mac, askerIp);
      frames++;
      arps++;
    }
    await out.maybeFlush();
  };

  // The director announces the VIP (keepalived: gratuitous request), then resolves its RSs.
  if (frames < a.frames) {
    writeArp(out, tick(), DIRECTOR.mac, BROADCAST, 1, DIRECTOR.mac, VIP, BROADCAST, VIP);
    frames++;
    arps++;
  }
  for (const rs of RSS) await arpPair(DIRECTOR, DIRECTOR.ip, rs.ip, rs);
  await arpPair(ROUTER, ROUTER.ip, VIP, DIRECTOR);

  const newClient = () => {
    // One client in twenty is the lab client on the segment; the rest arrive through the router.
    if (rnd() < 0.05) {
      labPort = labPort >= 60999 ? 32768 : labPort + 1;
      return { ip: LAB_CLIENT.ip, mac: LAB_CLIENT.mac, port: labPort };
    }
    const cip = (10 << 24) | Math.floor(rnd() * 0xffffff);
    return { ip: cip >>> 0, mac: ROUTER.mac, port: 32768 + Math.floor(rnd() * 28232) };
  };

  if (a.synFlood) {
    // Every frame a new flow: the flow table's worst case. The director would copy each SYN; here
    // only the client side is kept so that each frame really is a new key.
    // Keys from a counter, not the PRNG: random ip:port pairs collide (birthday) about once in 50.
    // Host part = (k * odd) mod 2^24, a bijection that scatters consecutive clients over 10/8.
    let id = 1;
    for (let n = 0; frames < a.frames; n++) {
      const k = Math.floor(n / 28232) + 1;
      const cip = ((10 << 24) | ((k * 0x5bd1e9) % 0x1000000)) >>> 0;
      const port = 32768 + (n % 28232);
      writeTcp(out, tick(), ROUTER.mac, DIRECTOR.mac, cip, VIP, 63, id++ & 0xffff, port, VPORT, Math.floor(rnd() * 2 ** 32), 0, F.SYN, 64240, 0, frames);
      frames++;
      flowsStarted++;
      await out.maybeFlush();
    }
    await out.close();
    return { frames, flows: flowsStarted, arps, bytes: out.bytes, lastUs: clock };
  }

  // Frames of one flow: 12 fixed (handshake, request, close) + 3 per response segment.
  const perFlow = a.frames / a.flows;
  const meanSegments = Math.max(0, (perFlow - 12) / 3);
  const makeFlow = () => {
    const c = newClient();
    const rs = RSS[rr++ % RSS.length];
    flowsStarted++;
    // Segments vary around the mean so that the totals come out near --frames and --flows.
    const base = Math.floor(meanSegments);
    const segs = base + (rnd() < meanSegments - base ? 1 : 0);
    return {
      c,
      rs,
      step: 0,
      segs,
      seg: 0,
      cSeq: Math.floor(rnd() * 2 ** 32),
      sSeq: Math.floor(rnd() * 2 ** 32),
      cId: Math.floor(rnd() * 65536),
      sId: Math.floor(rnd() * 65536),
      req: 60 + Math.floor(rnd() * 240),
      last: 200 + Math.floor(rnd() * 1248),
      tsval: Math.floor(rnd() * 2 ** 31),
    };
  };

  const active = [];
  let nextArpAt = 200_000;

  // Client frame + the director's copy right after it.
  const fromClient = (f, flags, payloadLen) => {
    const start = out.pos;
    const syn = (flags & F.SYN) !== 0;
    writeTcp(out, tick(), f.c.mac, DIRECTOR.mac, f.c.ip, VIP, 63, f.cId++ & 0xffff, f.c.port, VPORT, f.cSeq, syn ? 0 : f.sSeq, flags, syn ? 64240 : 502, payloadLen, f.tsval++);
    frames++;
    if (frames < a.frames) {
      clock += 8 + Math.floor(rnd() * 12);
      writeCopy(out, clock, start, f.rs.mac);
      frames++;
    }
    f.cSeq = (f.cSeq + payloadLen + (flags & (F.SYN | F.FIN) ? 1 : 0)) >>> 0;
  };
  const fromRs = (f, flags, payloadLen) => {
    writeTcp(out, tick(), f.rs.mac, f.c.mac, VIP, f.c.ip, 64, f.sId++ & 0xffff, VPORT, f.c.port, f.sSeq, f.cSeq, flags, flags & F.SYN ? 65160 : 509, payloadLen, f.tsval++);
    frames++;
    f.sSeq = (f.sSeq + payloadLen + (flags & (F.SYN | F.FIN) ? 1 : 0)) >>> 0;
  };

  /** Emits the flow's next step; returns false when the flow has finished. */
  const stepFlow = (f) => {
    const s = f.step++;
    if (s === 0) fromClient(f, F.SYN, 0);
    else if (s === 1) fromRs(f, F.SYN | F.ACK, 0);
    else if (s === 2) fromClient(f, F.ACK, 0);
    else if (s === 3) fromClient(f, F.PSH | F.ACK, f.req);
    else if (f.seg < f.segs) {
      // response segment, then the client's ACK (+ copy)
      if ((s - 4) % 2 === 0) {
        const lastSeg = f.seg === f.segs - 1;
        fromRs(f, lastSeg ? F.PSH | F.ACK : F.ACK, lastSeg ? f.last : 1448);
      } else {
        fromClient(f, F.ACK, 0);
        f.seg++;
      }
    } else {
      const e = s - 4 - 2 * f.segs;
      if (e === 0) fromClient(f, F.FIN | F.ACK, 0);
      else if (e === 1) fromRs(f, F.FIN | F.ACK, 0);
      else {
        fromClient(f, F.ACK, 0);
        return false;
      }
    }
    return true;
  };

  while (frames < a.frames) {
    // Start flows at an even pace so that all --flows are spread over the whole capture.
    while (active.length < a.concurrency && (flowsStarted < a.flows || active.length === 0)) active.push(makeFlow());
    if (frames >= nextArpAt) {
      // The router's ARP entry for the VIP expires now and then.
      await arpPair(ROUTER, ROUTER.ip, VIP, DIRECTOR);
      nextArpAt += 200_000;
      continue;
    }
    const i = Math.floor(rnd() * active.length);
    const f = active[i];
    if (!stepFlow(f)) {
      active[i] = active[active.length - 1];
      active.pop();
    }
    await out.maybeFlush();
  }
  await out.close();
  return { frames, flows: flowsStarted, arps, bytes: out.bytes, lastUs: clock, unfinished: active.length };
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${e.message}\n${usage()}`);
  process.exit(2);
}
const t = process.hrtime.bigint();
const r = await generate(args);
const ms = Number(process.hrtime.bigint() - t) / 1e6;
process.stderr.write(
  `${args.out}: ${r.frames} frames, ${r.flows} flows${r.unfinished !== undefined ? ` (${r.unfinished} still open at the end)` : ''}, ` +
    `${r.arps} ARP frames, ${(r.bytes / 1e6).toFixed(1)} MB pcap, ${((r.lastUs - T0_US) / 1e6).toFixed(2)} s of traffic, ` +
    `written in ${(ms / 1000).toFixed(2)} s\n`,
);
