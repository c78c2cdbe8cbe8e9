// Hostile text from outside: file names, argument values, configuration values. None may change
// what a terminal, a Markdown renderer or an XML reader shows: control characters come out as
// visible escapes (\x1b), in every report but JSON (whose string escaping already shows them).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_BIN } from '../support/cli.js';
import { RS1, T0, drConversation, toPcap, type TestFrame } from '../support/packets.js';
import { expectNoCrash, expectOneLine, json, re, runCli, stderrLines, useTempDir } from './support.js';

const { file, path } = useTempDir();

/** Two connections, the second answered from the RS's own address: verdict FAIL (reply-src-vip). */
function failing(port = 42000): Uint8Array {
  const frames: TestFrame[] = [
    ...drConversation({ clientPort: port, startSeconds: T0 }),
    ...drConversation({ clientPort: port + 1, startSeconds: T0 + 1, replySrc: RS1.ip }),
  ];
  return toPcap(frames);
}

/** Characters that must never reach a terminal raw: C0 (but the newlines between lines), DEL, C1, bidi overrides. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** The file name that made a failing run display "lvs-pcap check: PASS". */
const SPOOF = 'x.pcap\u001b[1A\r\u001b[2Klvs-pcap check: PASS\u001b[K\n  capture.pcap';
const SPOOF_SHOWN = 'x.pcap\\x1b[1A\\x0d\\x1b[2Klvs-pcap check: PASS\\x1b[K\\x0a  capture.pcap';

describe('a capture named to rewrite the terminal', () => {
  it('the table shows the name escaped and the verdict it has', () => {
    const p = file(SPOOF, failing());
    const r = runCli(['check', p]);
    expectNoCrash(r);
    expect(r.status).toBe(1);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout.split('\n')[0]).toBe('lvs-pcap check: FAIL');
    expect(r.stdout).toContain(`  ${path(SPOOF_SHOWN)}: pcap`);
    expect(r.stdout).not.toMatch(/^lvs-pcap check: PASS/m);
  });

  it('an OSC sequence (window title) and a right-to-left override are shown, not obeyed', () => {
    const name = 'title\u001b]0;pwned\u0007-\u202egnp.pcap';
    const p = file(name, failing());
    const r = runCli(['check', p, '--format', 'markdown']);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout).toContain('title\\x1b]0;pwned\\x07-\\u202egnp.pcap');
  });

  it('frame cells of several captures, --follow lines and warnings: escaped', () => {
    const a = file('a\u001b[31m.pcap', failing(42000));
    const b = file('b\u001b[2J.pcap', failing(42100));
    const table = runCli(['check', a, b, '--all-flows']);
    expectNoCrash(table);
    expect(table.stdout).not.toMatch(RAW_CONTROL);
    expect(table.stdout).toContain('a\\x1b[31m.pcap#');
    const follow = runCli(['check', a, b, '--follow']);
    expect(follow.stdout).toMatch(new RegExp(`^${re(path('a\\x1b[31m.pcap'))}#\\d+: error reply-src-vip`, 'm'));
    expect(follow.stdout).not.toMatch(RAW_CONTROL);
    // A capture cut in its last record: one warning, naming the file.
    const bytes = failing();
    const cut = file('cut\u001b[2K\r.pcap', bytes.subarray(0, bytes.length - 3));
    const r = runCli(['check', cut]);
    expect(stderrLines(r)).toHaveLength(1);
    expect(r.stderr).toContain('cut\\x1b[2K\\x0d.pcap: warning: capture cut at byte');
    expect(r.stderr).not.toMatch(RAW_CONTROL);
  });

  it('the topology text and its config file', () => {
    const p = file('topo\u001b[2J.pcap', failing());
    const r = runCli(['topology', p]);
    expectNoCrash(r);
    expect(r.stderr).toContain('topo\\x1b[2J.pcap');
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
  });
});

describe('argument and configuration values in messages', () => {
  it.each([
    ['--vip', ['--vip', '\u001b[2J10.0.0.1']],
    ['--format', ['--format', 'json\u001b[2J']],
    ['--rs', ['--rs', '10.0.0.1=\u009b31m']],
    ['an unknown option', ['--\u001b[2Jx']],
  ])('%s: one line, escaped', (_name, extra) => {
    const p = file('args.pcap', failing());
    const r = runCli(['check', p, ...extra]);
    const line = expectOneLine(r, /^lvs-pcap: /);
    expect(line).not.toMatch(RAW_CONTROL);
    expect(line).toMatch(/\\x1b\[2J|\\x9b31m/);
    expect(r.status).toBe(2);
  });

  it('an ipvsadm line and a config value', () => {
    const p = file('cfg.pcap', failing());
    const ipvsadm = file('ipvsadm.txt', 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  192.168.188.120:80 r\u001b[2Jr\n');
    const r1 = runCli(['check', p, '--ipvsadm', ipvsadm]);
    expect(expectOneLine(r1, /^lvs-pcap: .*ipvsadm\.txt:4: /)).toContain('\\x1b[2J');
    const config = file('lvs.yaml', 'services:\n  - vip: "192.168.188.120"\n    port: 80\n    scheduler: "r\\e[2Jr"\n');
    const r2 = runCli(['check', p, '--config', config]);
    expectNoCrash(r2);
    expect(r2.stdout + r2.stderr).not.toMatch(RAW_CONTROL);
  });
});

describe('Markdown: nothing leaves the code span or the table cell', () => {
  it('a bare carriage return cannot start an HTML block or a heading', () => {
    const p = file('a\r<img src=x onerror=alert(1)>\r# HEADING\r.pcap', failing());
    const r = runCli(['check', p, '--format', 'markdown']);
    expectNoCrash(r);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout).not.toContain('\r');
    // Headings outside the fenced fix blocks (a `# ...` line in them is a shell comment).
    let fenced = false;
    const headings = r.stdout.split('\n').filter((l) => {
      if (l.startsWith('```')) fenced = !fenced;
      return !fenced && l.startsWith('#');
    });
    expect(headings.every((l) => /^#{2,4} /.test(l)), headings.join('\n')).toBe(true);
    expect(r.stdout).not.toMatch(/^# HEADING/m);
    expect(r.stdout).toContain('a\\x0d<img src=x onerror=alert(1)>\\x0d# HEADING\\x0d.pcap');
  });

  it('a | and a carriage return in a frame cell keep the row in its columns', () => {
    const a = file('p|q\r|r.pcap', failing(42000));
    const b = file('s.pcap', failing(42100));
    const r = runCli(['check', a, b, '--format', 'markdown']);
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('|'));
    expect(rows.length).toBeGreaterThan(2);
    const cells = (l: string): number => l.replace(/\\\|/g, '').split('|').length;
    const header = rows.find((l) => l.includes('First frame'))!;
    for (const row of rows.filter((l) => l.includes('#'))) expect(cells(row), row).toBe(cells(header));
    expect(r.stdout).toContain('| p\\|q\\\\x0d\\|r.pcap\\#');
  });
});

describe('JUnit and HTML stay well-formed, with the names readable', () => {
  const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
  it.skipIf(!hasXmllint)('JUnit parses (xmllint), the name escaped', () => {
    const p = file('j\u0001\u001b[2J.pcap', failing());
    const out = path('r.xml');
    const r = runCli(['check', p, '--format', `junit:${out}`]);
    expectNoCrash(r);
    const lint = spawnSync('xmllint', ['--noout', out], { encoding: 'utf8' });
    expect(lint.status, lint.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('j\\x01\\x1b[2J.pcap');
  });

  it('HTML holds no control character', () => {
    const p = file('h\u0001\u001b[2J\u0085.pcap', failing());
    const r = runCli(['check', p, '--format', 'html']);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout).toContain('h\\x01\\x1b[2J\\x85.pcap');
  });

  it('JSON keeps the name as it is (its escaping shows every character)', () => {
    const p = file('k\u001b.pcap', failing());
    const r = runCli(['check', p, '--format', 'json']);
    expect(r.stdout).toContain('k\\u001b.pcap');
    expect(json(r).captures[0]!.path).toBe(p);
  });
});

describe('a file name that is not UTF-8', () => {
  it('is opened, and shown with its byte escaped', () => {
    const dir = path('');
    // "café.pcap" in Latin-1: 0xe9 alone is not UTF-8.
    writeFileSync(Buffer.concat([Buffer.from(join(dir, 'caf')), Buffer.of(0xe9), Buffer.from('.pcap')]), failing());
    const run = (...args: string[]): ReturnType<typeof spawnSync> =>
      spawnSync('sh', ['-c', `node="$0"; cli="$1"; shift; exec "$node" "$cli" check "$(printf 'caf\\351.pcap')" "$@"`, process.execPath, CLI_BIN, ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
    const table = run();
    expect(table.stderr).toBe('');
    expect(table.status).toBe(1);
    expect(table.stdout).toContain('  caf\\xe9.pcap: pcap');
    const r = run('--format', 'json');
    expect((JSON.parse(String(r.stdout)) as { captures: { path: string }[] }).captures[0]!.path).toBe('caf\udce9.pcap');
  });
});
