// Bounds whatever the input: a small crafted capture must not make the CLI print, write or hold
// a lot. Each case is built here (no large file is committed) and run through the installed
// CLI with its peak memory measured.
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLIENT, DIRECTOR, EtherType, IpProto, RS1, T0, VIP, arpReply, drConversation, ethernet, fixIpv4Checksum, frameAt, gratuitousArp, ipv4, tcp, toPcap, type TestFrame } from '../support/packets.js';
import { RSS_SLACK_KIB, baselineRssKiB, drFrames, epb, expectNoCrash, idb, json, runCli, shb, stderrLines, useTempDir } from './support.js';

const { file, path } = useTempDir();

/** The reader lists this many warnings of one code, then one line with the count of the rest. */
const MAX_ISSUES_PER_CODE = 10;

describe('a pcapng that repeats section headers, each followed by a packet of an undeclared interface', () => {
  const pairs = 200_000;
  const pair = Buffer.concat([shb(), epb(0, Buffer.alloc(60, 1))]);
  const bytes = gzipSync(Buffer.concat(new Array<Buffer>(pairs).fill(pair)));

  it(`${pairs} pairs (${Math.round(bytes.length / 1024)} KiB gzipped): eleven warnings on stderr, small reports, small memory`, () => {
    const p = file('churn.pcapng.gz', bytes);
    const outs = ['json', 'html', 'junit', 'markdown'].map((f) => ({ f, p: path(`churn.${f}`) }));
    const r = runCli(['check', p, ...outs.flatMap((o) => ['--format', `${o.f}:${o.p}`]), '--format', 'table'], { measureRss: true, timeoutMs: 60_000 });
    expectNoCrash(r);
    const lines = stderrLines(r);
    expect(lines.length, `stderr: ${lines.length} lines`).toBe(MAX_ISSUES_PER_CODE + 1);
    expect(lines[MAX_ISSUES_PER_CODE]).toMatch(new RegExp(`: warning: ${pairs - MAX_ISSUES_PER_CODE} more unknown_interface warnings like the ones above were not listed \\(the first of them at byte \\d+\\) \\(byte offset \\d+\\)$`));
    expect(r.stdout.length).toBeLessThan(16 * 1024);
    for (const o of outs) expect(statSync(o.p).size, o.f).toBeLessThan(64 * 1024);
    const result = JSON.parse(readFileSync(outs[0]!.p, 'utf8')) as { captures: { issues: unknown[] }[] };
    expect(result.captures[0]!.issues).toHaveLength(MAX_ISSUES_PER_CODE + 1);
    expect(r.peakRssKiB).toBeLessThan(baselineRssKiB() + RSS_SLACK_KIB);
  });
});

describe('a pcapng declaring hundreds of link types we do not decode, next to Ethernet', () => {
  it('one warning per link type up to ten, then one with the count of the rest', () => {
    const types = Array.from({ length: 300 }, (_, i) => 1000 + i);
    const dr = drFrames();
    const blocks = [shb(), idb(1), ...types.map((t) => idb(t)), ...dr.map((f, i) => epb(0, Buffer.from(f.data), 1_700_000_000_000_000 + i * 1000)), ...types.map((_, i) => epb(i + 1, Buffer.alloc(20, 7)))];
    const p = file('many-types.pcapng', Buffer.concat(blocks));
    const r = runCli(['check', p]);
    expectNoCrash(r);
    const lines = stderrLines(r);
    expect(lines).toHaveLength(MAX_ISSUES_PER_CODE + 1);
    expect(lines[MAX_ISSUES_PER_CODE]).toMatch(/: warning: 290 more link types are not decoded: their 290 frames were skipped \(byte offset \d+\)$/);
    expect(r.status).toBe(0);
  });
});

describe('ARP replies each claiming another address (a scan or a flood)', () => {
  it('claims beyond 65,536 addresses are counted and said, not kept', () => {
    const n = 70_000;
    const frames: TestFrame[] = [];
    for (let i = 0; i < n; i++) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      frames.push(frameAt(arpReply({ ip, mac: '00:0c:29:00:00:01' }, ip, { ip: '10.255.255.254', mac: 'ff:ff:ff:ff:ff:ff' }), T0 + Math.floor(i / 1000), (i % 1000) * 1000));
    }
    const p = file('arp-flood.pcap.gz', gzipSync(toPcap(frames)));
    const r = runCli(['check', p, '--format', 'json'], { timeoutMs: 60_000 });
    expectNoCrash(r);
    const notes = (JSON.parse(r.stdout) as { topology: { notes: string[] } }).topology.notes;
    expect(notes).toContain(`address claims (ARP, NA) for more than 65536 addresses: ${n - 65536} claims of further addresses were counted, not judged (a scan or a flood?)`);
  });
});

describe('timestamps outside what a calendar can show', () => {
  /** Two directors' gratuitous ARPs for the VIP: a failover, whose finding names its time. */
  const failover = [gratuitousArp(DIRECTOR.mac, VIP), gratuitousArp('00:0c:29:50:d5:64', VIP)];
  const topology = ['--vip', `${VIP}:80`, '--director-mac', DIRECTOR.mac, '--director-mac', '00:0c:29:50:d5:64'];

  /** An IDB option if_tsoffset (code 14) of `seconds`, then opt_endofopt. */
  function tsoffset(seconds: bigint): Buffer {
    const o = Buffer.alloc(16);
    o.writeUInt16LE(14, 0);
    o.writeUInt16LE(8, 2);
    o.writeBigInt64LE(seconds, 4);
    return o;
  }
  function idbWith(options: Buffer): Buffer {
    const body = Buffer.alloc(8 + options.length);
    body.writeUInt16LE(1, 0);
    body.writeUInt32LE(262144, 4);
    options.copy(body, 8);
    const len = 12 + body.length;
    const b = Buffer.alloc(len);
    b.writeUInt32LE(1, 0);
    b.writeUInt32LE(len, 4);
    body.copy(b, 8);
    b.writeUInt32LE(len, len - 4);
    return b;
  }

  const cases: Array<[string, Buffer, string]> = [
    ['EPB timestamp high word 0xf0000000', Buffer.concat([shb(), idb(), epb(0, Buffer.from(failover[0]!), 0xf0000000 * 2 ** 32), epb(0, Buffer.from(failover[1]!), 0xf0000000 * 2 ** 32 + 5_000_000)]), '@17293822569107.70'],
    ['if_tsoffset +2^62 s', Buffer.concat([shb(), idbWith(tsoffset(2n ** 62n)), epb(0, Buffer.from(failover[0]!), 5), epb(0, Buffer.from(failover[1]!), 5_000_005)]), '@4611686018427387904'],
    ['if_tsoffset -2^62 s', Buffer.concat([shb(), idbWith(tsoffset(-(2n ** 62n))), epb(0, Buffer.from(failover[0]!), 5), epb(0, Buffer.from(failover[1]!), 5_000_005)]), '@-4611686018427387904'],
  ];

  it.each(cases)('%s: every report is written, the time shown as epoch seconds', (name, bytes, shown) => {
    const p = file(`time-${name.replace(/\W+/g, '-')}.pcapng`, bytes);
    for (const format of ['table', 'json', 'html', 'junit', 'markdown']) {
      const r = runCli(['check', p, ...topology, '--format', format]);
      expectNoCrash(r);
      expect(r.status, `${format}: ${r.stderr}`).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(0);
    }
    const j = json(runCli(['check', p, ...topology, '--format', 'json']));
    const change = j.findings.find((f) => f.rule === 'vip-owner-change') as { data: { time: string }; remediation: { why: string }[] } | undefined;
    expect(change?.data.time.startsWith(shown)).toBe(true);
    expect(change?.remediation.map((r) => r.why).join(' ')).toContain(`at ${shown}`);
  });
});

describe('--write-evidence --evidence-flows on one failing flow of huge frames', () => {
  it('streams the frames to the file: memory does not grow with the evidence', () => {
    // 1500 client segments of 60,000 bytes (each copied by the director: 180 MB of frames in one
    // flow), answered from the RS's own address (reply-src-vip: the whole flow is evidence).
    const frames: TestFrame[] = [];
    const big = new Uint8Array(60_000).fill(0x41);
    let seq = 1000;
    for (let i = 0; i < 1500; i++) {
      const ip = ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.TCP, id: i, payload: tcp({ srcPort: 40000, dstPort: 80, flags: i === 0 ? 'S' : 'P.', seq, ack: 1, payload: i === 0 ? undefined : big }) });
      seq += i === 0 ? 1 : big.length;
      const copy = ip.slice();
      copy[8] = copy[8]! - 1;
      fixIpv4Checksum(copy);
      const at = T0 * 1e9 + i * 1e6;
      frames.push(frameAt(ethernet({ src: CLIENT.mac, dst: DIRECTOR.mac, etherType: EtherType.IPv4, payload: ip }), Math.floor(at / 1e9), at % 1e9));
      frames.push(frameAt(ethernet({ src: DIRECTOR.mac, dst: RS1.mac, etherType: EtherType.IPv4, payload: copy }), Math.floor(at / 1e9), (at % 1e9) + 20_000));
      if (i % 100 === 0) {
        const reply = ipv4({ src: RS1.ip, dst: CLIENT.ip, proto: IpProto.TCP, id: i, payload: tcp({ srcPort: 80, dstPort: 40000, flags: i === 0 ? 'S.' : '.', seq: 1, ack: seq }) });
        frames.push(frameAt(ethernet({ src: RS1.mac, dst: CLIENT.mac, etherType: EtherType.IPv4, payload: reply }), Math.floor(at / 1e9), (at % 1e9) + 40_000));
      }
    }
    const p = file('huge-flow.pcap.gz', gzipSync(toPcap([...drFrames(), ...frames])));
    const r = runCli(['check', p, '--write-evidence', '/dev/null', '--evidence-flows'], { measureRss: true, timeoutMs: 120_000 });
    expectNoCrash(r);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/wrote \d+ evidence frames to \/dev\/null/);
    const written = Number(/wrote (\d+) evidence frames/.exec(r.stderr)?.[1]);
    expect(written).toBeGreaterThanOrEqual(3000);
    expect(r.peakRssKiB).toBeLessThan(baselineRssKiB() + RSS_SLACK_KIB);
  });
});

describe('many captures at once', () => {
  it('12 captures: no MaxListenersExceededWarning, one report', () => {
    const paths = Array.from({ length: 12 }, (_, i) => file(`many-${i}.pcap`, toPcap(drConversation({ clientPort: 41000 + i, startSeconds: T0 + i }))));
    const r = runCli(['check', ...paths, '--format', 'json']);
    expectNoCrash(r);
    expect(r.stderr).toBe('');
    expect(json(r).captures).toHaveLength(12);
  });
});
