#!/usr/bin/env node
/**
 * How fast can any Node program go over this capture, doing only part of what `check` does?
 * Each stage is a hand-written loop with nothing the product needs beyond that stage (no
 * malformed-input checks beyond bounds, no link types but Ethernet, no IPv6, VLANs, tunnels,
 * ARP, topology inference, rules or reports), run in a fresh process like the check itself, so
 * its wall time includes Node's start-up. The stages add up:
 *
 *   start    node, loading this script, nothing else
 *   read     read the file in 4 MB chunks, walk the pcap record headers
 *   decode   + the Ethernet/IPv4/TCP fields the analysis reads
 *   flows    + a flow table (chained 128-byte records in one Int32Array) keyed by the client
 *            and server endpoints, counting frames per flow: the "decode + flow-map loop" baseline
 *   copies   + pairing each director copy with its original (a direct-mapped table keyed by
 *            source, port, seq, ack; a later frame with the same key from another MAC is a copy)
 *   verify   + the least a DR check must do: each flow's frames counted per leg (direction and
 *            MAC pair, up to 4 legs a flow, inside the flow's record), a 1 s copy window whose
 *            expiry counts the requests no director copied, FIN/RST, replies not from the VIP or
 *            sent via the director, and a verdict per flow when it is released (2 s after it
 *            closed) or at the end
 *
 * The last stage is a lower bound for `check` on a healthy DR capture: the check does all of
 * that and everything listed above as left out. `npm run bench` shows the flows and verify
 * stages as rows beside the check. Not a test; prints figures. Stages are run interleaved,
 * --runs (default 7) fresh processes each, medians shown.
 *
 *   node scripts/bench-floor.mjs FILE [--runs 7] [--stages start,read,decode,flows,copies,verify]
 *
 * Only little-endian microsecond Ethernet pcap, at most 128k flows open (the bench's DR captures).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const STAGES = ['start', 'read', 'decode', 'flows', 'copies', 'verify'];
/** Flow records: enough for the bench's DR captures (about 5,000 open at once). */
const MAX_FLOWS = 1 << 17;
const BUCKETS = 1 << 16;
/** A flow record: int32 fields, then from F_LEG_KEY four leg keys, four packet and four copy counts. */
const REC = 32;
const F_CLIENT = 0;
const F_SERVER = 1;
const F_PORTS = 2;
const F_FRAMES = 3;
/** Bits: 1 FIN from client, 2 FIN from server, 4 RST, 8 reply not from the VIP, 16 reply via the director, 32 closing. */
const F_STATE = 4;
const F_UNCOPIED = 5;
const F_NEXT = 6;
const F_BUCKET = 7;
/** Bumped when the record is freed: a copy-window row of the flow before ignores the new one. */
const F_GEN = 8;
const F_LEG_KEY = 16;
const LEGS = 4;
const CLOSING = 1 << 16;
const PAIR_SLOTS = 1 << 16;
const RING = 1 << 18;

function main() {
  const argv = process.argv.slice(2);
  const file = argv.find((a, i) => !a.startsWith('--') && !(argv[i - 1] ?? '').startsWith('--'));
  const opt = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  if (!file) {
    process.stderr.write('usage: bench-floor.mjs FILE [--runs 7] [--stages start,read,decode,flows,copies,verify]\n');
    process.exit(2);
  }
  const runs = Number(opt('--runs', '7'));
  const stages = opt('--stages', STAGES.join(',')).split(',');
  const size = statSync(file).size;
  const self = fileURLToPath(import.meta.url);
  const times = new Map(stages.map((s) => [s, []]));
  const result = new Map();
  // Interleaved (stage by stage within each round), so drift in the machine's speed hits every
  // stage alike.
  for (let r = 0; r < runs; r++) {
    for (const stage of stages) {
      const t0 = process.hrtime.bigint();
      const p = spawnSync(process.execPath, [self, file], { env: { ...process.env, BENCH_FLOOR_STAGE: stage }, encoding: 'utf8' });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (p.status !== 0) throw new Error(`stage ${stage} failed: ${p.stderr}`);
      times.get(stage).push(ms);
      result.set(stage, JSON.parse(p.stdout));
    }
  }
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  process.stdout.write(`${file}: ${(size / 1e6).toFixed(1)} MB; medians of ${runs} fresh processes, start-up included\n`);
  process.stdout.write('stage     wall ms   frames/s    counted\n');
  for (const stage of stages) {
    const ms = median(times.get(stage));
    const r = result.get(stage);
    const fps = r.frames > 0 ? `${(r.frames / (ms / 1000) / 1e6).toFixed(2)} M` : '-';
    const what = Object.entries(r)
      .filter(([k]) => k !== 'ms' && k !== 'maxRssKb')
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    process.stdout.write(`${stage.padEnd(8)} ${ms.toFixed(0).padStart(8)} ${fps.padStart(10)}    ${what}\n`);
  }
}

function slotOf(c, s, p, mask) {
  let h = Math.imul(c ^ p, 0x9e3779b1);
  h = Math.imul(h ^ s, 0x85ebca77);
  return (h ^ (h >>> 15)) & mask;
}

/**
 * The per-frame work of a stage, as a class whose method V8 optimises on its own (one huge loop
 * function was re-optimised six times as late code paths, the window's expiry and the flow
 * release, first ran). Typed arrays sized once; no allocation per frame.
 */
class Floor {
  constructor(upto) {
    this.flows = upto >= STAGES.indexOf('flows');
    this.copies = upto >= STAGES.indexOf('copies');
    this.verify = upto >= STAGES.indexOf('verify');
    this.checksum = 0;
    this.tcpFrames = 0;
    this.paired = 0;
    // Flow table: buckets of chained records, one 128-byte record per flow (two cache lines:
    // key, counts and state, then the legs), freed records reused first so the open flows stay
    // in cache.
    this.buckets = new Int32Array(BUCKETS).fill(-1);
    this.flowRec = new Int32Array(MAX_FLOWS * REC);
    this.used = 0;
    this.freeHead = -1;
    this.flowCount = 0;
    // verify: flows closed (FIN both ways or RST) wait 2 s for late frames, then are judged and freed.
    this.closingId = new Int32Array(CLOSING);
    this.closingTime = new Float64Array(CLOSING);
    this.closingHead = 0;
    this.closingTail = 0;
    this.pass = 0;
    this.fail = 0;
    // Copy pairing: direct-mapped on (src ip, src port, seq, ack); holds the sender MAC's low bits.
    this.pKey1 = new Int32Array(PAIR_SLOTS);
    this.pKey2 = new Int32Array(PAIR_SLOTS);
    this.pMac = new Int32Array(PAIR_SLOTS);
    this.pRow = new Int32Array(PAIR_SLOTS);
    // verify: the copy window, a ring of remembered requests (time, flow, its generation, copied).
    this.rTime = new Float64Array(RING);
    this.rFlow = new Int32Array(RING);
    this.rGen = new Int32Array(RING);
    this.rCopied = new Uint8Array(RING);
    this.ringHead = 0;
    this.ringTail = 0;
    this.directorMac = 0;
    this.haveDirector = false;
  }

  /** One Ethernet frame at buf[p .. p + incl), captured at `time` (seconds). */
  frame(buf, p, incl, time) {
    if (incl < 54 || buf[p + 12] !== 0x08 || buf[p + 13] !== 0x00) return;
    const ip = p + 14;
    const ihl = (buf[ip] & 15) * 4;
    if (buf[ip + 9] !== 6 || incl < 14 + ihl + 20) return;
    const srcIp = (buf[ip + 12] << 24) | (buf[ip + 13] << 16) | (buf[ip + 14] << 8) | buf[ip + 15];
    const dstIp = (buf[ip + 16] << 24) | (buf[ip + 17] << 16) | (buf[ip + 18] << 8) | buf[ip + 19];
    const t = ip + ihl;
    const srcPort = (buf[t] << 8) | buf[t + 1];
    const dstPort = (buf[t + 2] << 8) | buf[t + 3];
    const seq = (buf[t + 4] << 24) | (buf[t + 5] << 16) | (buf[t + 6] << 8) | buf[t + 7];
    const ack = (buf[t + 8] << 24) | (buf[t + 9] << 16) | (buf[t + 10] << 8) | buf[t + 11];
    const flags = buf[t + 13];
    const srcMacLo = (buf[p + 8] << 24) | (buf[p + 9] << 16) | (buf[p + 10] << 8) | buf[p + 11];
    const dstMacLo = (buf[p + 2] << 24) | (buf[p + 3] << 16) | (buf[p + 4] << 8) | buf[p + 5];
    this.tcpFrames++;
    this.checksum = (this.checksum + srcIp + dstIp + srcPort + dstPort + seq + ack + flags + srcMacLo) | 0;
    if (!this.flows) return;
    // The lower port is the server's.
    const toServer = dstPort < srcPort;
    const c = toServer ? srcIp : dstIp;
    const s = toServer ? dstIp : srcIp;
    const ports = toServer ? (srcPort << 16) | dstPort : (dstPort << 16) | srcPort;
    const id = this.flow(c, s, ports);
    if (!this.copies) return;
    const copy = toServer && this.pair(srcIp, srcPort, seq, ack, srcMacLo, id, time);
    if (!this.verify) return;
    this.expire(time);
    const flowRec = this.flowRec;
    const r = id * REC;
    // The frame's leg among the flow's (direction, MAC pair).
    const legKey = (Math.imul(srcMacLo, 0x9e3779b1) ^ dstMacLo ^ (toServer ? 1 : 0)) | 1;
    for (let l = r + F_LEG_KEY; l < r + F_LEG_KEY + LEGS; l++) {
      if (flowRec[l] === legKey) {
        flowRec[l + LEGS]++;
        if (copy) flowRec[l + 2 * LEGS]++;
        break;
      }
      if (flowRec[l] === 0) {
        flowRec[l] = legKey;
        flowRec[l + LEGS] = 1;
        flowRec[l + 2 * LEGS] = copy ? 1 : 0;
        break;
      }
    }
    let st = flowRec[r + F_STATE];
    if (flags & 4) st |= 4;
    if (flags & 1) st |= toServer ? 1 : 2;
    if (!toServer) {
      if (srcIp !== s) st |= 8;
      if (this.haveDirector && dstMacLo === this.directorMac) st |= 16;
    }
    if ((st & 32) === 0 && ((st & 3) === 3 || (st & 4) !== 0)) {
      st |= 32;
      this.closingId[this.closingTail & (CLOSING - 1)] = id;
      this.closingTime[this.closingTail & (CLOSING - 1)] = time;
      this.closingTail++;
    }
    flowRec[r + F_STATE] = st;
    this.release(time);
  }

  /** The record of the flow (client, server, ports), started if new. */
  flow(c, s, ports) {
    const flowRec = this.flowRec;
    const bucket = slotOf(c, s, ports, BUCKETS - 1);
    let id = this.buckets[bucket];
    while (id >= 0) {
      const r = id * REC;
      if (flowRec[r + F_CLIENT] === c && flowRec[r + F_SERVER] === s && flowRec[r + F_PORTS] === ports) {
        flowRec[r + F_FRAMES]++;
        return id;
      }
      id = flowRec[r + F_NEXT];
    }
    if (this.freeHead >= 0) {
      id = this.freeHead;
      this.freeHead = flowRec[id * REC + F_NEXT];
    } else {
      if (this.used === MAX_FLOWS) throw new Error(`more than ${MAX_FLOWS} open flows: the floor's table does not grow`);
      id = this.used++;
    }
    const r = id * REC;
    const gen = flowRec[r + F_GEN];
    flowRec.fill(0, r, r + REC);
    flowRec[r + F_GEN] = gen;
    flowRec[r + F_CLIENT] = c;
    flowRec[r + F_SERVER] = s;
    flowRec[r + F_PORTS] = ports;
    flowRec[r + F_BUCKET] = bucket;
    flowRec[r + F_NEXT] = this.buckets[bucket];
    flowRec[r + F_FRAMES] = 1;
    this.buckets[bucket] = id;
    this.flowCount++;
    return id;
  }

  /** Whether a request frame is a copy of one remembered; if not, remembers it. */
  pair(srcIp, srcPort, seq, ack, srcMacLo, id, time) {
    let k = Math.imul(srcIp ^ (srcPort << 16), 0x9e3779b1);
    k = Math.imul(k ^ seq, 0x85ebca77);
    k = Math.imul(k ^ ack, 0xc2b2ae3d);
    const slot = (k ^ (k >>> 16)) & (PAIR_SLOTS - 1);
    if (this.pKey1[slot] === (srcIp ^ seq) && this.pKey2[slot] === ((srcPort << 16) ^ ack) && this.pMac[slot] !== srcMacLo) {
      this.paired++;
      this.pMac[slot] = srcMacLo;
      if (this.verify) {
        this.rCopied[this.pRow[slot] & (RING - 1)] = 1;
        this.directorMac = srcMacLo;
        this.haveDirector = true;
      }
      return true;
    }
    this.pKey1[slot] = srcIp ^ seq;
    this.pKey2[slot] = (srcPort << 16) ^ ack;
    this.pMac[slot] = srcMacLo;
    if (this.verify) {
      const row = this.ringTail & (RING - 1);
      this.rTime[row] = time;
      this.rFlow[row] = id;
      this.rGen[row] = this.flowRec[id * REC + F_GEN];
      this.rCopied[row] = 0;
      this.pRow[slot] = this.ringTail;
      this.ringTail++;
    }
    return false;
  }

  /** Closes the window of requests older than 1 s: those not copied count against their flow. */
  expire(time) {
    const flowRec = this.flowRec;
    while (this.ringHead < this.ringTail && this.rTime[this.ringHead & (RING - 1)] < time - 1) {
      const row = this.ringHead & (RING - 1);
      const fr = this.rFlow[row] * REC;
      if (this.rCopied[row] === 0 && flowRec[fr + F_GEN] === this.rGen[row]) flowRec[fr + F_UNCOPIED]++;
      this.ringHead++;
    }
  }

  /** Judges and frees the flows closed more than 2 s ago. */
  release(time) {
    const flowRec = this.flowRec;
    const buckets = this.buckets;
    while (this.closingHead < this.closingTail && this.closingTime[this.closingHead & (CLOSING - 1)] < time - 2) {
      const done = this.closingId[this.closingHead & (CLOSING - 1)];
      this.closingHead++;
      const dr = done * REC;
      if (passes(flowRec, dr)) this.pass++;
      else this.fail++;
      const b = flowRec[dr + F_BUCKET];
      if (buckets[b] === done) buckets[b] = flowRec[dr + F_NEXT];
      else {
        let prev = buckets[b];
        while (flowRec[prev * REC + F_NEXT] !== done) prev = flowRec[prev * REC + F_NEXT];
        flowRec[prev * REC + F_NEXT] = flowRec[dr + F_NEXT];
      }
      flowRec[dr + F_GEN]++;
      flowRec[dr + F_NEXT] = this.freeHead;
      this.freeHead = done;
    }
  }

  /** The flows still open at the end. */
  finish() {
    for (let b = 0; b < BUCKETS; b++) {
      for (let id = this.buckets[b]; id >= 0; id = this.flowRec[id * REC + F_NEXT]) {
        if (passes(this.flowRec, id * REC)) this.pass++;
        else this.fail++;
      }
    }
  }
}

/** The floor's verdict on a flow record: every request copied, replies from the VIP and not via the director, closed. */
function passes(flowRec, r) {
  const st = flowRec[r + F_STATE];
  let requests = 0;
  for (let l = r + F_LEG_KEY; l < r + F_LEG_KEY + LEGS; l++) requests += flowRec[l + LEGS] - flowRec[l + 2 * LEGS];
  return flowRec[r + F_UNCOPIED] === 0 && (st & (8 | 16)) === 0 && requests > 0 && (st & 3) === 3;
}

/** One stage over `file`; returns what it counted (so no work can be optimised away). */
function runStage(stage, file) {
  if (stage === 'start') return { frames: 0 };
  const upto = STAGES.indexOf(stage);
  const decode = upto >= STAGES.indexOf('decode');
  const verify = upto >= STAGES.indexOf('verify');
  const floor = new Floor(upto);
  const CHUNK = 4 << 20;
  const buf = Buffer.allocUnsafe(CHUNK + 65536 + 16);
  const fd = openSync(file, 'r');
  let frames = 0;
  let lengths = 0;
  let have = 0;
  let pos = 0;
  let fileOffset = 24;
  {
    const n = readSync(fd, buf, 0, 24, 0);
    if (n !== 24 || buf.readUInt32LE(0) !== 0xa1b2c3d4 || buf.readUInt32LE(20) !== 1) throw new Error('only little-endian µs Ethernet pcap');
  }
  for (;;) {
    // Keep the unread tail, refill behind it.
    buf.copy(buf, 0, pos, have);
    have -= pos;
    pos = 0;
    const n = readSync(fd, buf, have, CHUNK, fileOffset);
    fileOffset += n;
    have += n;
    if (n === 0) break;
    while (pos + 16 <= have) {
      const incl = buf[pos + 8] | (buf[pos + 9] << 8) | (buf[pos + 10] << 16) | (buf[pos + 11] << 24);
      if (pos + 16 + incl > have) break;
      frames++;
      if (decode) {
        const time = verify ? (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16)) + buf[pos + 3] * 16777216 + (buf[pos + 4] | (buf[pos + 5] << 8) | (buf[pos + 6] << 16)) / 1e6 : 0;
        floor.frame(buf, pos + 16, incl, time);
      } else lengths = (lengths + incl) | 0;
      pos += 16 + incl;
    }
  }
  closeSync(fd);
  const out = { frames, checksum: decode ? floor.checksum : lengths };
  if (decode) out.tcp = floor.tcpFrames;
  if (floor.flows) out.flows = floor.flowCount;
  if (floor.copies) out.paired = floor.paired;
  if (floor.verify) {
    floor.finish();
    out.pass = floor.pass;
    out.fail = floor.fail;
  }
  return out;
}

if (process.env.BENCH_FLOOR_STAGE) {
  // The same JSON line as scripts/bench-worker.mjs (frames, ms in-process, maxRssKb), so
  // `npm run bench` can show a stage as a row.
  const t0 = performance.now();
  const out = runStage(process.env.BENCH_FLOOR_STAGE, process.argv[2]);
  out.ms = performance.now() - t0;
  out.maxRssKb = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify(out) + '\n');
} else {
  main();
}
