// The hostile-input behaviour table (test/hostile/README.md: never crash, never lie, always say
// why), part 1 (paths, non-captures, versions and link types, empty and cut captures, bogus
// lengths, command-line values), each row run through the built CLI exactly as a user runs it.
// Each test pins the exit status and the one stderr line (file, byte offset for content
// problems, reason); expectNoCrash() adds "no stack trace, no signal, no multi-line message".
// Part 2 (pcapng, gzip, stdin, malformed frames) is cli-table-2.test.ts: two files so the two
// vitest workers share the CLI runs.
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toPcap } from '../support/packets.js';
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
  re,
  runCli,
  shb,
  stderrLines,
  useTempDir,
  type CliRun,
} from './support.js';
import { orSkipped } from '../support/skip.js';

const { file, path } = useTempDir();

describe('baseline: the generated DR traffic is healthy', () => {
  it('passes, exit 0, nothing on stderr', () => {
    const r = check(file('dr.pcap', drPcap()));
    expectNoCrash(r);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = json(r);
    expect(j.verdict).toBe('pass');
    expect(j.summary.frames).toBe(drFrames().length);
    expect(j.summary.flowsByVerdict.pass).toBe(3);
  });
});

describe('row: missing file, directory, permission denied -> one line, exit 2', () => {
  it('missing file', () => {
    const p = path('missing.pcap');
    const r = runCli(['check', p]);
    expectOneLine(r, new RegExp(`^lvs-pcap: ${re(p)}: no such file$`));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('a directory', () => {
    const p = path('adir');
    mkdirSync(p, { recursive: true });
    const r = runCli(['check', p]);
    expectOneLine(r, new RegExp(`^lvs-pcap: ${re(p)}: is a directory$`));
    expect(r.status).toBe(2);
  });

  it('a path under a regular file (ENOTDIR)', () => {
    const p = `${file('plain', 'x')}/inner.pcap`;
    const r = runCli(['check', p]);
    expectOneLine(r, new RegExp(`^lvs-pcap: ${re(p)}: a path component is not a directory$`));
    expect(r.status).toBe(2);
  });

  const root = process.getuid?.() === 0;
  it.skipIf(root)(orSkipped('permission denied', root ? 'running as root, whom chmod 000 does not stop' : undefined), () => {
    const p = file('locked.pcap', drPcap());
    chmodSync(p, 0o000);
    const r = runCli(['check', p]);
    expectOneLine(r, new RegExp(`^lvs-pcap: ${re(p)}: permission denied$`));
    expect(r.status).toBe(2);
  });

  it('one bad file among good ones stops with the same one line', () => {
    const good = file('good.pcap', drPcap());
    const p = path('missing2.pcap');
    const r = runCli(['check', good, p]);
    expectOneLine(r, new RegExp(`^lvs-pcap: ${re(p)}: no such file$`));
    expect(r.status).toBe(2);
  });
});

describe('row: not a capture file -> says what the first bytes look like, exit 2', () => {
  const cases: Array<[string, () => Uint8Array | string, RegExp]> = [
    ['empty file', () => new Uint8Array(0), /not a pcap or pcapng capture: empty file/],
    ['1 byte', () => Uint8Array.of(0xd4), /not a pcap or pcapng capture: only 1 byte\b/],
    ['3 bytes', () => Uint8Array.of(0xd4, 0xc3, 0xb2), /not a pcap or pcapng capture: only 3 bytes/],
    ['17 binary bytes', () => Uint8Array.from({ length: 17 }, (_, i) => i * 3), /not a pcap or pcapng capture: unrecognised data \(first bytes 00 03 06 09 0c 0f 12 15\)/],
    ['23 bytes of zeros', () => new Uint8Array(23), /not a pcap or pcapng capture: unrecognised data \(first bytes 00 00 00 00 00 00 00 00\)/],
    ['text', () => 'tcpdump: listening on eth0, link-type EN10MB\n', /not a pcap or pcapng capture: text \(starts 'tcpdump:…'\)/],
    ['JSON', () => '{"frames": [1, 2, 3], "note": "not a capture"}\n', /not a pcap or pcapng capture: JSON/],
    ['ELF binary', () => new Uint8Array(0), /not a pcap or pcapng capture: ELF executable/],
    ['zip archive', () => Uint8Array.of(0x50, 0x4b, 3, 4, ...new Array<number>(40).fill(0)), /not a pcap or pcapng capture: zip archive/],
  ];
  it.each(cases)('%s', (name, bytes, pattern) => {
    let p: string;
    if (name === 'ELF binary') {
      p = path('true.bin');
      copyFileSync('/bin/true', p);
    } else p = file(`${name.replace(/\W/g, '_')}.cap`, bytes());
    const r = runCli(['check', p]);
    expectOneLine(r, new RegExp(`^${re(p)}: error: ${pattern.source} \\(byte offset 0\\)$`));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
  });

  // A valid magic followed by less than a whole header is no capture either: it must not be
  // reported as an empty capture ("no traffic", exit 0).
  it('a pcap magic and 19 more bytes (23 of the 24-byte header)', () => {
    const p = file('hdr23.pcap', pcapHeader().subarray(0, 23));
    const r = runCli(['check', p]);
    expectOneLine(r, new RegExp(`^${re(p)}: error: capture cut at byte 0 inside the pcap file header \\(have 23 of 24 bytes\\) \\(byte offset 0\\)$`));
    expect(r.status).toBe(2);
  });

  it('the first 20 bytes of a pcapng section header', () => {
    const p = file('shb20.pcapng', shb().subarray(0, 20));
    const r = runCli(['check', p]);
    expectOneLine(r, new RegExp(`^${re(p)}: error: capture cut at byte 0 inside a section header block \\(have 20 of 28 bytes\\) \\(byte offset 0\\)$`));
    expect(r.status).toBe(2);
  });
});

describe('row: unsupported pcap version or link type -> error or skip with reason, exit 2 if nothing analysable', () => {
  it('pcap version 3.4', () => {
    const p = file('v34.pcap', Buffer.concat([pcapHeader({ major: 3, minor: 4 }), drPcap().subarray(24)]));
    const r = runCli(['check', p]);
    expectOneLine(r, new RegExp(`^${re(p)}: error: unsupported pcap version 3\\.4 \\(supported: 2\\.0 to 2\\.4\\) \\(byte offset 4\\)$`));
    expect(r.status).toBe(2);
  });

  it('pcapng version 2.0', () => {
    const s = shb();
    s.writeUInt16LE(2, 12);
    const p = file('v2.pcapng', Buffer.concat([s, idb()]));
    const r = runCli(['check', p]);
    expectOneLine(r, new RegExp(`^${re(p)}: error: section header at byte 0: unsupported pcapng version 2\\.0 \\(supported: 1\\.x\\) \\(byte offset 12\\)$`));
    expect(r.status).toBe(2);
  });

  it('only an unsupported link type (147, USER0): skipped with a reason naming it, exit 2', () => {
    const frames = drFrames().slice(0, 4);
    const p = file('lt147.pcap', toPcap(frames, { linkType: 147 }));
    const r = runCli(['check', p]);
    expectNoCrash(r);
    const lines = stderrLines(r);
    expect(lines.some((l) => new RegExp(`^${re(p)}: (warning|error): .*link type 147.*\\(byte offset \\d+\\)$`).test(l)), `stderr: ${r.stderr}`).toBe(true);
    expect(r.status).toBe(2);
  });

  it('an 802.11 capture whose record exceeds its snaplen: rejected in exactly one line, the reason why', () => {
    // Radiotap (127), snaplen 26, one record of 86 bytes: a warning about the snaplen would come first.
    const p = file('wifi.pcap', Buffer.concat([pcapHeader({ linkType: 127, snaplen: 26 }), pcapRecordHeader(86, 86), Buffer.alloc(86, 0x42)]));
    const r = runCli(['check', p]);
    expectOneLine(r, new RegExp(`^${re(p)}: error: nothing to analyse: link type 127 \\(IEEE 802\\.11 radiotap\\) is not decoded: its 1 frame was skipped \\(byte offset 24\\)$`));
    expect(r.status).toBe(2);
  });

  it('several unusable captures: one line each', () => {
    const wifi = file('wifi2.pcap', Buffer.concat([pcapHeader({ linkType: 105 }), pcapRecordHeader(40, 40), Buffer.alloc(40, 1)]));
    const text = file('notes.pcap', 'not a capture at all\n');
    const r = runCli(['check', wifi, text]);
    expectNoCrash(r);
    expect(stderrLines(r)).toEqual([
      `${wifi}: error: nothing to analyse: link type 105 (IEEE 802.11) is not decoded: its 1 frame was skipped (byte offset 24)`,
      `${text}: error: not a pcap or pcapng capture: text (starts 'not a ca…') (byte offset 0)`,
    ]);
    expect(r.status).toBe(2);
  });

  it('an unsupported interface next to an Ethernet one: one warning naming it, the Ethernet traffic judged', () => {
    const frames = drFrames();
    const blocks = [shb(), idb(1), idb(147), ...frames.map((f, i) => epb(0, f.data, 1_700_000_000_000_000 + i * 1000)), epb(1, Uint8Array.of(1, 2, 3, 4)), epb(1, Uint8Array.of(5, 6, 7, 8))];
    const p = file('mixed147.pcapng', Buffer.concat(blocks));
    const r = check(p);
    expectNoCrash(r);
    const lines = stderrLines(r);
    expect(lines.filter((l) => /link type 147/.test(l)), `stderr: ${r.stderr}`).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${re(p)}: warning: .*link type 147.*\\(byte offset \\d+\\)$`));
    expect(r.status).toBe(0);
    expect(json(r).verdict).toBe('pass');
    expect(json(r).summary.unsupportedLinkTypes).toEqual({ '147': 2 });
  });
});

describe('row: header only, no records -> empty report, "no traffic", exit 0', () => {
  it('classic pcap', () => {
    const p = file('empty.pcap', pcapHeader());
    const r = runCli(['check', p]);
    expectNoCrash(r);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/NO TRAFFIC/);
    const j = json(check(p));
    expect(j.verdict).toBe('no-traffic');
    expect(j.summary.frames).toBe(0);
  });

  it('pcapng with a section and an interface, no packets', () => {
    const p = file('empty.pcapng', Buffer.concat([shb(), idb()]));
    const r = check(p);
    expectNoCrash(r);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(json(r).verdict).toBe('no-traffic');
  });

  it('--min-flows 1 turns "no traffic" into exit 1', () => {
    const p = file('empty2.pcap', pcapHeader());
    const r = runCli(['check', p, '--min-flows', '1']);
    expectNoCrash(r);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/min-flows/);
  });
});

describe('row: cut inside a record header or body -> complete records analysed, one warning with offset', () => {
  const full = drPcap();
  const offsets = pcapRecordOffsets(full);
  const k = offsets.length - 3; // cut inside record k+1: every earlier record is whole

  /** The same capture ending exactly before record k+1: what the cut file must be judged as. */
  function clean(): CliRun {
    return check(file('clean-prefix.pcap', full.subarray(0, offsets[k])));
  }

  it.each([
    ['header', 5, `header: have 5 of 16 bytes`],
    ['body', 16 + 10, `body: have 10 of ${full.readUInt32LE(offsets[k]! + 8)} bytes`],
  ])('inside a record %s', (_what, into, detail) => {
    const at = offsets[k]!;
    const p = file(`cut-${_what}.pcap`, full.subarray(0, at + into));
    const r = check(p);
    const line = expectOneLine(r, new RegExp(`^${re(p)}: warning: capture cut at byte ${at} inside record ${k + 1} \\(${re(detail)}\\) \\(byte offset ${at}\\)$`));
    expect(line).toBeTruthy();
    const j = json(r);
    const cleanRun = clean();
    const c = json(cleanRun);
    expect(j.summary.frames).toBe(k);
    expect(r.status).toBe(cleanRun.status);
    expect({ verdict: j.verdict, flows: j.flows, findings: j.findings }).toEqual({ verdict: c.verdict, flows: c.flows, findings: c.findings });
  });

  it('pcapng cut inside an enhanced packet block', () => {
    const frames = drFrames();
    const blocks = [shb(), idb(), ...frames.map((f, i) => epb(0, f.data, 1_700_000_000_000_000 + i * 1000))];
    const bytes = Buffer.concat(blocks);
    const lastAt = bytes.length - blocks[blocks.length - 1]!.length;
    const p = file('cut.pcapng', bytes.subarray(0, lastAt + 30));
    const r = check(p);
    expectOneLine(r, new RegExp(`^${re(p)}: warning: capture cut at byte ${lastAt} inside record ${frames.length} \\(enhanced packet block, have 30 of \\d+ bytes\\) \\(byte offset ${lastAt}\\)$`));
    expect(json(r).summary.frames).toBe(frames.length - 1);
    expect([0, 1]).toContain(r.status);
  });
});

describe('row: caplen > snaplen, absurd caplen, origlen < caplen', () => {
  const full = drPcap();
  const offsets = pcapRecordOffsets(full);
  const k = 5; // the bad record is record k+1

  function withLengths(caplen: number, origlen: number): Buffer {
    const b = Buffer.from(full);
    b.writeUInt32LE(caplen >>> 0, offsets[k]! + 8);
    b.writeUInt32LE(origlen >>> 0, offsets[k]! + 12);
    return b;
  }

  // An impossible length: stop there, say where and why, judge what came before, allocate nothing.
  it.each([
    ['262145 (one above the Ethernet maximum)', 262145],
    ['0x7FFFFFFF', 0x7fffffff],
    ['0xFFFFFFFF', 0xffffffff],
  ])('caplen %s: error at the record, earlier records analysed, RSS stays small', (_n, caplen) => {
    const at = offsets[k]!;
    const p = file(`caplen-${caplen}.pcap`, withLengths(caplen, caplen));
    const r = runCli(['check', p, '--format', 'json'], { measureRss: true });
    expectOneLine(r, new RegExp(`^${re(p)}: error: record ${k + 1} at byte ${at}: captured length ${caplen} exceeds the maximum of 262144 \\(byte offset ${at}\\)$`));
    expect(json(r).summary.frames).toBe(k);
    const clean = check(file('caplen-clean.pcap', full.subarray(0, at)));
    expect(r.status).toBe(clean.status);
    expect(json(r).flows).toEqual(json(clean).flows);
    expect(r.peakRssKiB, 'peak RSS (KiB)').toBeLessThan(baselineRssKiB() + RSS_SLACK_KIB);
  });

  it('caplen above the file snaplen but within the link maximum: kept (as libpcap and tshark do), one warning', () => {
    // snaplen 64 while the frames are 60..140 bytes: the first longer record is named once.
    const b = Buffer.from(full);
    b.writeUInt32LE(64, 16);
    const firstLong = offsets.findIndex((o) => b.readUInt32LE(o + 8) > 64);
    const p = file('over-snaplen.pcap', b);
    const r = check(p);
    expectOneLine(
      r,
      new RegExp(`^${re(p)}: warning: record ${firstLong + 1} at byte ${offsets[firstLong]}: captured length \\d+ exceeds the file snaplen 64 \\(kept; reported once\\) \\(byte offset ${offsets[firstLong]}\\)$`),
    );
    expect(json(r).summary.frames).toBe(offsets.length);
    expect(r.status).toBe(0);
    expect(json(r).verdict).toBe('pass');
  });

  it('origlen below caplen: kept as stored (as tshark does), one warning with the offset', () => {
    const caplen = full.readUInt32LE(offsets[k]! + 8);
    const p = file('origlen.pcap', withLengths(caplen, 10));
    const r = check(p);
    expectOneLine(r, new RegExp(`^${re(p)}: warning: record ${k + 1} at byte ${offsets[k]}: original length 10 is below the captured length ${caplen} \\(kept; reported once\\) \\(byte offset ${offsets[k]}\\)$`));
    expect(json(r).summary.frames).toBe(offsets.length);
    expect(r.status).toBe(0);
  });
});

describe('row: garbage command-line values -> usage error naming the bad value, exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--vip', '999.1.1.1'], /^lvs-pcap: --vip 999\.1\.1\.1: .*999/],
    [['--vip', '192.168.188.120:99999'], /^lvs-pcap: --vip 192\.168\.188\.120:99999: .*99999/],
    [['--vip', '[2001:db8::zz]:80'], /^lvs-pcap: --vip \[2001:db8::zz\]:80: /],
    [['--vip', '192.168.188.120/sctp'], /^lvs-pcap: --vip 192\.168\.188\.120\/sctp: /],
    [['--director-mac', 'zz:0c:29:50:d5:63'], /^lvs-pcap: --director-mac zz:0c:29:50:d5:63: not a MAC address/],
    [['--director-mac', '00:0c:29:50:d5'], /^lvs-pcap: --director-mac 00:0c:29:50:d5: not a MAC address/],
    [['--rs', '1.2.3'], /^lvs-pcap: --rs 1\.2\.3: /],
    [['--rs', '192.168.188.107=nomac'], /^lvs-pcap: --rs 192\.168\.188\.107=nomac: .*nomac|^lvs-pcap: --rs 192\.168\.188\.107=nomac: /],
    [['--format', 'xml'], /^lvs-pcap: --format xml: unknown format/],
    [['--min-flows', 'many'], /^lvs-pcap: --min-flows many: /],
    [['--min-flows', '-1'], /^lvs-pcap: --min-flows -1: /],
    [['--rules', 'no-such-rule'], /^lvs-pcap: unknown rule 'no-such-rule'/],
    [['--bogus-option'], /^lvs-pcap: Unknown arguments?: bogus-option\b/],
    [['--ipvsadm', '/nonexistent/ipvsadm.txt'], /^lvs-pcap: --ipvsadm \/nonexistent\/ipvsadm\.txt: no such file$/],
  ];
  it.each(cases)('%j', (args, pattern) => {
    const capture = file('args.pcap', drPcap());
    const r = runCli(['check', capture, ...args]);
    expectOneLine(r, pattern);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('--config with broken JSON names the file', () => {
    const capture = file('args.pcap', drPcap());
    const cfg = file('broken.json', '{"vips": [');
    const r = runCli(['check', capture, '--config', cfg]);
    expectOneLine(r, new RegExp(`^lvs-pcap: .*${re(cfg)}`));
    expect(r.status).toBe(2);
  });

  it('--vip with no value', () => {
    const capture = file('args.pcap', drPcap());
    const r = runCli(['check', capture, '--vip']);
    expectOneLine(r, /^lvs-pcap: .*--vip/);
    expect(r.status).toBe(2);
  });

  it('no capture at all', () => {
    const r = runCli(['check']);
    expectOneLine(r, /^lvs-pcap: .*(capture|non-option argument)/);
    expect(r.status).toBe(2);
  });
});



