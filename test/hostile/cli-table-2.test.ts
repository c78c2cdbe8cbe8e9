// The hostile-input behaviour table (test/hostile/README.md), part 2: pcapng damage, gzip damage
// and bombs, stdin, malformed frames inside DR traffic. Conventions as in cli-table.test.ts.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLIENT, DIRECTOR, EtherType, IpProto, RS1, RS2, VIP, arp, ethernet, ipv4, ipv6, tcp, toPcap, udp, type TestFrame } from '../support/packets.js';
import {
  RSS_SLACK_KIB,
  baselineRssKiB,
  check,
  drFrames,
  drPcap,
  epb,
  expectNoCrash,
  expectOneLine,
  idb,
  json,
  pcapHeader,
  pcapRecordHeader,
  pcapRecordOffsets,
  pngBlock,
  re,
  runCli,
  runCliStreaming,
  shb,
  sleep,
  stderrLines,
  useTempDir,
  write,
} from './support.js';

const { file, path } = useTempDir();

describe('row: pcapng damage -> skip what can be skipped, error on what cannot, with offsets', () => {
  const frames = drFrames();
  const packets = frames.map((f, i) => epb(0, f.data, 1_700_000_000_000_000 + i * 1000));
  const head = Buffer.concat([shb(), idb()]);

  /** SHB, IDB, the first `n` packets, then `bad`, then the rest. */
  function build(n: number, bad: Buffer): { bytes: Buffer; at: number } {
    const before = Buffer.concat([head, ...packets.slice(0, n)]);
    return { bytes: Buffer.concat([before, bad, ...packets.slice(n)]), at: before.length };
  }

  it.each([
    ['not a multiple of 4', 13, 'not a multiple of 4'],
    ['below the minimum', 8, 'below the minimum of 12'],
    ['above the maximum', 0x7ffffffc, 'above the maximum of 16777216'],
    ['0xFFFFFFFF', 0xffffffff, 'not a multiple of 4'],
  ])('block length %s: error at the block, earlier packets analysed, nothing allocated', (_n, len, why) => {
    const bad = Buffer.from(packets[7]!);
    bad.writeUInt32LE(len >>> 0, 4);
    const { bytes, at } = build(7, bad);
    const p = file(`blen-${len}.pcapng`, bytes);
    const r = runCli(['check', p, '--format', 'json'], { measureRss: true });
    expectOneLine(r, new RegExp(`^${re(p)}: error: enhanced packet block at byte ${at}: total length ${len >>> 0} is ${why} \\(byte offset ${at}\\)$`));
    expect(json(r).summary.frames).toBe(7);
    expect([0, 1]).toContain(r.status);
    expect(r.peakRssKiB).toBeLessThan(baselineRssKiB() + RSS_SLACK_KIB);
  });

  it('trailing length differs from the leading one', () => {
    const bad = Buffer.from(packets[7]!);
    bad.writeUInt32LE(bad.length + 4, bad.length - 4);
    const { bytes, at } = build(7, bad);
    const p = file('trail.pcapng', bytes);
    const r = check(p);
    expectOneLine(r, new RegExp(`^${re(p)}: error: enhanced packet block at byte ${at}: trailing length ${bad.length + 4} differs from leading length ${bad.length} \\(byte offset ${at}\\)$`));
    expect(json(r).summary.frames).toBe(7);
  });

  it('bad byte-order magic in the first section: nothing analysable, exit 2', () => {
    const p = file('bom.pcapng', Buffer.concat([shb(true, 0x12345678), idb(), ...packets]));
    const r = runCli(['check', p]);
    expectOneLine(r, new RegExp(`^${re(p)}: error: section header at byte 0: byte-order magic 78563412 is neither 1a2b3c4d nor 4d3c2b1a \\(byte offset 8\\)$`));
    expect(r.status).toBe(2);
  });

  it('bad byte-order magic in a second section: error at it, the first section analysed', () => {
    const { bytes, at } = build(packets.length, Buffer.concat([shb(true, 0x01020304), idb()]));
    const p = file('bom2.pcapng', bytes);
    const r = check(p);
    expectOneLine(r, new RegExp(`^${re(p)}: error: section header at byte ${at}: byte-order magic 04030201 is neither 1a2b3c4d nor 4d3c2b1a \\(byte offset ${at + 8}\\)$`));
    expect(json(r).summary.frames).toBe(packets.length);
    expect(r.status).toBe(0);
    expect(json(r).verdict).toBe('pass');
  });

  it('a block running past the end of the file: warning at it, everything before analysed', () => {
    const bad = Buffer.from(packets[packets.length - 1]!);
    bad.writeUInt32LE(4096, 4);
    const { bytes, at } = build(packets.length - 1, bad);
    const p = file('past-end.pcapng', bytes.subarray(0, at + bad.length));
    const r = check(p);
    expectOneLine(r, new RegExp(`^${re(p)}: warning: capture cut at byte ${at} inside record ${packets.length} \\(enhanced packet block, have ${bad.length} of 4096 bytes\\) \\(byte offset ${at}\\)$`));
    expect(json(r).summary.frames).toBe(packets.length - 1);
  });

  it('interface id out of range: those packets skipped with one warning, the rest analysed', () => {
    const strays = [epb(5, frames[0]!.data), epb(5, frames[1]!.data), epb(9, frames[2]!.data)];
    const { bytes, at } = build(4, Buffer.concat(strays));
    const p = file('iface.pcapng', bytes);
    const r = check(p);
    expectNoCrash(r);
    const lines = stderrLines(r);
    expect(lines, r.stderr).toHaveLength(2); // one per unknown id
    expect(lines[0]).toMatch(new RegExp(`^${re(p)}: warning: packet block at byte ${at} refers to interface 5, but the section declares only interface 0; its packets are skipped \\(reported once per id\\) \\(byte offset ${at}\\)$`));
    expect(lines[1]).toMatch(/refers to interface 9/);
    expect(json(r).summary.frames).toBe(packets.length);
    expect(r.status).toBe(0);
    expect(json(r).verdict).toBe('pass');
  });

  it('unknown, custom, name-resolution and statistics blocks are skipped silently', () => {
    const unknown = [
      pngBlock(0x00000bad, Buffer.from('unknown block type')),
      pngBlock(0x40000bad, Buffer.from([0, 0, 0x7e, 0x2a, 1, 2, 3, 4])), // custom block, PEN 32298
      pngBlock(4, Buffer.from([0, 0, 0, 0])), // NRB: end of records
      pngBlock(5, Buffer.alloc(12)), // ISB
      pngBlock(0x80000001, Buffer.alloc(0)), // reserved high bit
    ];
    const { bytes } = build(3, Buffer.concat(unknown));
    const p = file('unknown-blocks.pcapng', bytes);
    const r = check(p);
    expectNoCrash(r);
    expect(r.stderr).toBe('');
    expect(json(r).summary.frames).toBe(packets.length);
    expect(r.status).toBe(0);
  });
});

describe('row: gzip damage and gzip bombs', () => {
  it('corrupt deflate data right after a valid gzip header: one line, exit 2', () => {
    const p = file('corrupt.pcap.gz', Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.from('this is not deflate data at all, not even close')]));
    const r = runCli(['check', p]);
    expectOneLine(r, new RegExp(`^${re(p)}: error: corrupt gzip data \\(.+\\) after 0 decompressed bytes \\(byte offset 0\\)$`));
    expect(r.status).toBe(2);
  });

  it('a bad CRC: every record analysed, then one error', () => {
    const gz = gzipSync(drPcap());
    gz.writeUInt32LE(gz.readUInt32LE(gz.length - 8) ^ 0xffff, gz.length - 8);
    const p = file('crc.pcap.gz', gz);
    const r = check(p);
    expectOneLine(r, new RegExp(`^${re(p)}: error: corrupt gzip data \\(incorrect data check\\) after ${drPcap().length} decompressed bytes \\(byte offset ${drPcap().length}\\)$`));
    expect(json(r).summary.frames).toBe(drFrames().length);
    expect(r.status).toBe(0);
  });

  it('a gzip stream cut short: what was inflated is analysed, one error with the offset', () => {
    const gz = gzipSync(drPcap());
    const p = file('cut.pcap.gz', gz.subarray(0, Math.floor(gz.length * 0.6)));
    const r = check(p);
    expectOneLine(r, new RegExp(`^${re(p)}: error: gzip stream cut short after \\d+ compressed bytes \\(\\d+ bytes decompressed\\) \\(byte offset \\d+\\)$`));
    expect(json(r).summary.frames).toBeGreaterThan(0);
    expect([0, 1]).toContain(r.status);
  });

  it('gzip of a non-capture says what is inside', () => {
    const p = file('text.gz', gzipSync('just some log lines\nnothing to see\n'));
    const r = runCli(['check', p]);
    expectOneLine(r, new RegExp(`^${re(p)}: error: not a pcap or pcapng capture: text \\(starts 'just som…'\\) \\(byte offset 0\\)$`));
    expect(r.status).toBe(2);
  });

  /**
   * Writes a gzip file whose members are `head` once then `chunk` `times` times: concatenated
   * gzip members are one valid stream, so a few KB of file inflate to `times` x chunk bytes.
   * Only one chunk is ever compressed; nothing near the inflated size is held in memory.
   */
  async function bomb(name: string, head: Buffer, chunk: Buffer, times: number): Promise<string> {
    const p = path(name);
    const out = createWriteStream(p);
    const gz = createGzip({ level: 9 });
    const member = await new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      gz.on('data', (d: Buffer) => parts.push(d)).on('end', () => resolve(Buffer.concat(parts))).on('error', reject);
      gz.end(chunk);
    });
    out.write(gzipSync(head));
    for (let i = 0; i < times; i++) if (!out.write(member)) await once(out, 'drain');
    out.end();
    await once(out, 'finish');
    return p;
  }

  it('4 GiB of valid 64 KiB records from a 4 MB file: streamed, bounded memory, bounded time', async () => {
    const caplen = 65535;
    const n = 1024;
    const chunk = Buffer.alloc(n * (16 + caplen));
    for (let i = 0; i < n; i++) chunk.set(pcapRecordHeader(caplen, caplen, 1_700_000_000, i), i * (16 + caplen));
    const p = await bomb('bomb-records.pcap.gz', pcapHeader(), chunk, 64);
    const r = runCli(['check', p, '--format', 'json'], { measureRss: true, timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.status).toBe(0);
    const j = json(r);
    expect(j.captures[0]!.bytes).toBe(24 + 64 * chunk.length);
    expect(j.summary.frames).toBe(64 * n);
    expect(r.peakRssKiB, 'peak RSS (KiB)').toBeLessThan(baselineRssKiB() + RSS_SLACK_KIB);
    expect(r.ms).toBeLessThan(45_000);
  }, 90_000);

  it('256 MiB of zeros after a pcap header (16 M empty records): bounded memory and time', async () => {
    const p = await bomb('bomb-zeros.pcap.gz', pcapHeader(), Buffer.alloc(16 * 2 ** 20), 16);
    const r = runCli(['check', p, '--format', 'json'], { measureRss: true, timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.status).toBe(0);
    expect(json(r).summary.frames).toBe((256 * 2 ** 20) / 16);
    expect(r.peakRssKiB, 'peak RSS (KiB)').toBeLessThan(baselineRssKiB() + RSS_SLACK_KIB);
  }, 90_000);

  it('4 GiB of zeros with no capture header: rejected at once, not inflated to the end', async () => {
    const p = await bomb('bomb-nothing.gz', Buffer.alloc(0), Buffer.alloc(64 * 2 ** 20), 64);
    const r = runCli(['check', p], { measureRss: true, timeoutMs: 30_000 });
    expectOneLine(r, new RegExp(`^${re(p)}: error: not a pcap or pcapng capture: unrecognised data \\(first bytes 00 00 00 00 00 00 00 00\\) \\(byte offset 0\\)$`));
    expect(r.status).toBe(2);
    // Inflating all of it takes ~4 s alone on this box; stopping at the first chunk well under 1 s.
    expect(r.ms).toBeLessThan(10_000);
    expect(r.peakRssKiB).toBeLessThan(baselineRssKiB() + RSS_SLACK_KIB);
  }, 60_000);
});

describe('row: stdin closed early, a pipe that stalls -> what arrived is analysed', () => {
  // How a message names standard input: '-' as typed, or a word for it.
  const STDIN = '(-|stdin|<stdin>|standard input)';

  it('stdin closed inside a record: complete records analysed, one warning with the offset', async () => {
    const full = drPcap();
    const offsets = pcapRecordOffsets(full);
    const k = 10;
    const r = await runCliStreaming(['check', '-', '--format', 'json'], async (stdin) => {
      await write(stdin, full.subarray(0, offsets[k]! + 7));
      stdin.end();
    });
    expectOneLine(r, new RegExp(`^${STDIN}: warning: capture cut at byte ${offsets[k]} inside record ${k + 1} \\(header: have 7 of 16 bytes\\) \\(byte offset ${offsets[k]}\\)$`));
    expect(json(r).summary.frames).toBe(k);
  });

  it('a pipe that stalls mid-record, then delivers the rest: the whole capture, same result as the file', async () => {
    const full = drPcap();
    const half = pcapRecordOffsets(full)[12]! + 9;
    const r = await runCliStreaming(['check', '-', '--format', 'json'], async (stdin) => {
      await write(stdin, full.subarray(0, half));
      await sleep(700);
      await write(stdin, full.subarray(half, half + 3));
      await sleep(300);
      await write(stdin, full.subarray(half + 3));
      stdin.end();
    });
    expectNoCrash(r);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const fromFile = json(check(file('same.pcap', full)));
    const j = json(r);
    expect(j.summary).toEqual(fromFile.summary);
    expect(j.flows).toEqual(fromFile.flows);
  });

  it('nothing at all on stdin: not a capture, exit 2', async () => {
    const r = await runCliStreaming(['check', '-'], async (stdin) => {
      stdin.end();
    });
    expectOneLine(r, new RegExp(`^${STDIN}: error: not a pcap or pcapng capture: empty file \\(byte offset 0\\)$`));
    expect(r.status).toBe(2);
  });

  it('gzip on stdin, stalled between the two magic bytes', async () => {
    const gz = gzipSync(drPcap());
    const r = await runCliStreaming(['check', '-', '--format', 'json'], async (stdin) => {
      await write(stdin, gz.subarray(0, 1));
      await sleep(300);
      await write(stdin, gz.subarray(1));
      stdin.end();
    });
    expectNoCrash(r);
    expect(r.stderr).toBe('');
    expect(json(r).captures[0]!.compressed).toBe(true);
    expect(json(r).summary.frames).toBe(drFrames().length);
  });
});

describe('row: every header malformed, inside valid DR traffic -> counted as weird, no crash, no false finding', () => {
  const toDirector = (ip: Uint8Array): Uint8Array => ethernet({ src: CLIENT.mac, dst: DIRECTOR.mac, etherType: EtherType.IPv4, payload: ip });
  const copyToRs2 = (ip: Uint8Array): Uint8Array => ethernet({ src: DIRECTOR.mac, dst: RS2.mac, etherType: EtherType.IPv4, payload: ip });
  const syn = (port: number): Uint8Array => tcp({ srcPort: port, dstPort: 80, flags: 'S', seq: 1 });
  const good = (port: number): Uint8Array => ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.TCP, payload: syn(port) });
  const patch = (b: Uint8Array, f: (x: Uint8Array) => void): Uint8Array => {
    const c = b.slice();
    f(c);
    return c;
  };
  // Each frame claims to belong to a flow of the healthy traffic (client port 40001, which went
  // to RS1) or to the VIP: read as real, it would make a flow-affinity, not-forwarded,
  // reply-src-vip or ARP finding.
  const malformed: Array<[string, Uint8Array]> = [
    ['bad_ip_header_length', toDirector(patch(good(40001), (x) => void (x[0] = 0x43)))],
    ['bad_ip_version', copyToRs2(patch(good(40001), (x) => void (x[0] = 0x75)))],
    ['ip_total_length_too_small', copyToRs2(patch(good(40001), (x) => void (x[2] = 0, x[3] = 12)))],
    ['ip_total_length_exceeds_packet', copyToRs2(patch(good(40001), (x) => void (x[2] = 0x05, x[3] = 0xdc)))],
    ['bad_tcp_header_length', copyToRs2(patch(good(40001), (x) => void (x[20 + 12] = 0x20)))],
    ['tcp_header_exceeds_packet', copyToRs2(patch(good(40001), (x) => void (x[20 + 12] = 0xf0)))],
    ['udp_header_exceeds_packet', toDirector(ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.UDP, payload: Uint8Array.of(0x9c, 0x41, 0, 53), l4Checksum: 'keep' }))],
    ['bad_udp_length', toDirector(ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.UDP, payload: udp({ srcPort: 40100, dstPort: 53, length: 4 }) }))],
    [
      'ipv6_payload_length_exceeds_packet',
      ethernet({
        src: CLIENT.mac,
        dst: DIRECTOR.mac,
        etherType: EtherType.IPv6,
        payload: patch(ipv6({ src: '2001:db8:188::111', dst: '2001:db8:188::120', nextHeader: IpProto.TCP, payload: syn(40200) }), (x) => void (x[4] = 0x40)),
      }),
    ],
    // A FabricPath switch header around fewer bytes than an Ethernet header.
    ['fabricpath_frame_too_short', Uint8Array.of(...new Array<number>(12).fill(2), 0x89, 0x03, 0x04, 0x3f, 1, 2, 3, 4, 5, 6)],
    ['arp_length_exceeds_packet', ethernet({ src: RS1.mac, dst: CLIENT.mac, etherType: EtherType.ARP, pad: false, payload: patch(arp({ op: 'reply', senderMac: RS1.mac, senderIp: VIP, targetMac: CLIENT.mac, targetIp: CLIENT.ip }), (x) => void ((x[4] = 200), (x[5] = 200))) })],
    ['truncated_ethernet', Uint8Array.of(1, 2, 3, 4, 5)],
  ];

  // An RS "answering" ARP for the VIP with 7-byte hardware addresses: no fault (tcpdump and
  // tshark decode it), and no binding a client would take.
  const oddArp = ethernet({ src: RS1.mac, dst: CLIENT.mac, etherType: EtherType.ARP, payload: patch(arp({ op: 'reply', senderMac: RS1.mac, senderIp: VIP, targetMac: CLIENT.mac, targetIp: CLIENT.ip }), (x) => void (x[4] = 7)) });

  it('each anomaly counted under its id in summary.weirds; the DR verdict unchanged', () => {
    const frames = drFrames();
    // Spread the bad frames through the conversations, with timestamps in order.
    const all: TestFrame[] = [];
    frames.forEach((f, i) => {
      all.push(f);
      const bad = malformed[i];
      if (bad) all.push({ ...f, tsNanos: f.tsNanos + 1000, data: bad[1], note: bad[0] });
      if (i === malformed.length) all.push({ ...f, tsNanos: f.tsNanos + 1000, data: oddArp, note: 'ARP, 7-byte MACs' });
    });
    const p = file('malformed.pcap', toPcap(all));
    const r = check(p);
    expectNoCrash(r);
    expect(r.stderr).toBe('');
    const j = json(r);
    expect(j.summary.frames).toBe(frames.length + malformed.length + 1);
    const want = Object.fromEntries(malformed.map(([id]) => [id, 1]));
    expect(j.summary.weirds).toEqual(want);
    expect(j.findings).toEqual([]);
    expect(j.verdict).toBe('pass');
    expect(r.status).toBe(0);
  });

  it('a capture of nothing but malformed frames: no crash, no finding, no traffic', () => {
    const p = file('only-malformed.pcap', toPcap(malformed.map(([, d], i) => ({ tsSeconds: 1_700_000_000 + i, tsNanos: 0, data: d }))));
    const r = check(p);
    expectNoCrash(r);
    expect(json(r).findings).toEqual([]);
    expect(json(r).verdict).toBe('no-traffic');
    expect(r.status).toBe(0);
  });
});
