// The files a check writes: never onto an input or onto another output, whatever path names
// them; written whole or not at all; a failed write said in one line without hiding the verdict.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_BIN } from '../support/cli.js';
import { RS1, T0, drConversation, toPcap } from '../support/packets.js';
import { REPO, expectNoCrash, expectOneLine, re, runCli, stderrLines, useTempDir } from './support.js';

const { file, path } = useTempDir();

/** A capture whose verdict is FAIL (one reply from the RS's own address). */
const FAILING = toPcap([...drConversation({ clientPort: 43000 }), ...drConversation({ clientPort: 43001, startSeconds: T0 + 1, replySrc: RS1.ip })]);

function sha(p: string): string {
  return createHash('sha256').update(readFileSync(p)).digest('hex');
}

/** Files in the test directory whose name says they are our temporary files. */
function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.tmp'));
}

describe('an output onto an input is refused before anything is read or written', () => {
  it.each([
    ['--write-evidence onto the capture', (cap: string) => ['--write-evidence', cap]],
    ['--format json:CAPTURE', (cap: string) => ['--format', `json:${cap}`]],
    ['--output onto the capture', (cap: string) => ['--format', 'junit', '--output', cap]],
    ['another spelling of the same path', (cap: string) => ['--format', `json:${join(cap, '..', '.', cap.split('/').pop()!)}`]],
  ])('%s', (name, extra) => {
    const cap = file(`in-${name.replace(/\W+/g, '-')}.pcap`, FAILING);
    const before = sha(cap);
    const r = runCli(['check', cap, ...extra(cap)]);
    expectOneLine(r, new RegExp(`is the capture ${re(cap)}: refusing to write over an input$`));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(sha(cap)).toBe(before);
  });

  it('through a symbolic link or a hard link to the capture', () => {
    const cap = file('linked.pcap', FAILING);
    const before = sha(cap);
    symlinkSync(cap, path('soft.json'));
    linkSync(cap, path('hard.json'));
    for (const out of [path('soft.json'), path('hard.json')]) {
      const r = runCli(['check', cap, '--format', `json:${out}`]);
      expectOneLine(r, /refusing to write over an input$/);
      expect(r.status).toBe(2);
    }
    expect(sha(cap)).toBe(before);
  });

  it('the --ipvsadm and --config files are inputs too', () => {
    const cap = file('cfg-in.pcap', FAILING);
    const config = file('cfg-in.yaml', 'services:\n  - vip: 192.168.188.120\n    port: 80\n');
    const r = runCli(['check', cap, '--config', config, '--format', `markdown:${config}`]);
    expectOneLine(r, new RegExp(`is the --config file ${re(config)}: refusing to write over an input$`));
  });

  it('a --keepalived file is an input too, for check and topology', () => {
    const cap = file('ka-in.pcap', FAILING);
    const conf = file('ka-in.conf', readFileSync(join(REPO, 'fixtures/keepalived-unicast-one-side/keepalived-dir1.conf')));
    const before = sha(conf);
    const r1 = runCli(['check', '--keepalived', conf, cap, '--format', `markdown:${conf}`]);
    expectOneLine(r1, new RegExp(`is the --keepalived file ${re(conf)}: refusing to write over an input$`));
    expect(r1.status).toBe(2);
    const r2 = runCli(['topology', '--keepalived', conf, cap, '--output', conf]);
    expectOneLine(r2, /is the --keepalived file .*: refusing to write over an input$/);
    expect(r2.status).toBe(2);
    expect(sha(conf)).toBe(before);
  });

  it('stdout appended to the capture (>> capture) is refused', () => {
    const cap = file('stdout-in.pcap', FAILING);
    const before = sha(cap);
    const fd = openSync(cap, 'a');
    const r = spawnSync(process.execPath, [CLI_BIN, 'check', cap], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', cwd: REPO });
    closeSync(fd);
    expect(r.stderr).toMatch(/^lvs-pcap: stdout is the capture .*: refusing to write the report over an input\n$/);
    expect(r.status).toBe(2);
    expect(sha(cap)).toBe(before);
  });

  it('topology --output onto the capture', () => {
    const cap = file('topo-in.pcap', FAILING);
    const r = runCli(['topology', cap, '--output', cap]);
    expectOneLine(r, /refusing to write over an input$/);
    expect(r.status).toBe(2);
  });

  it('topology --output onto its --ipvsadm or --config file', () => {
    const cap = file('topo-in2.pcap', FAILING);
    const table = file('topo-ipvsadm.txt', readFileSync(join(REPO, 'test/topology/samples/ipvsadm-Ln.txt')));
    const config = file('topo-config.yaml', readFileSync(join(REPO, 'test/topology/samples/lvs.yaml')));
    const before = [sha(table), sha(config)];
    const r1 = runCli(['topology', cap, '--ipvsadm', table, '--output', table]);
    expectOneLine(r1, /is the --ipvsadm file .*: refusing to write over an input$/);
    expect(r1.status).toBe(2);
    const r2 = runCli(['topology', cap, '--config', config, '--output', config]);
    expectOneLine(r2, /is the --config file .*: refusing to write over an input$/);
    expect(r2.status).toBe(2);
    expect([sha(table), sha(config)]).toEqual(before);
  });
});

describe('two outputs onto one file are refused', () => {
  it.each([
    ['two spellings', (d: string) => ['--format', `json:${d}/r.json`, '--format', `junit:${d}/./r.json`]],
    ['a symbolic link to the other', (d: string) => ['--format', `json:${d}/real.json`, '--format', `junit:${d}/alias.json`]],
    ['a report and the evidence', (d: string) => ['--format', `json:${d}/e.pcap`, '--write-evidence', `${d}/e.pcap`]],
  ])('%s', (_name, extra) => {
    const d = path(`dup-${Math.random().toString(16).slice(2)}`);
    mkdirSync(d);
    writeFileSync(join(d, 'real.json'), 'old');
    symlinkSync(join(d, 'real.json'), join(d, 'alias.json'));
    const cap = file('dup.pcap', FAILING);
    const r = runCli(['check', cap, ...extra(d)]);
    expectOneLine(r, /is the same file as --format json:/);
    expect(r.status).toBe(2);
    expect(readFileSync(join(d, 'real.json'), 'utf8')).toBe('old');
    expect(leftovers(d)).toEqual([]);
  });

  it('a report file that is where stdout already goes', () => {
    const cap = file('stdout-dup.pcap', FAILING);
    const out = path('stdout-dup.txt');
    const fd = openSync(out, 'w');
    const r = spawnSync(process.execPath, [CLI_BIN, 'check', cap, '--format', 'table', '--format', `json:${out}`], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', cwd: REPO });
    closeSync(fd);
    expect(r.stderr).toMatch(/is where stdout goes too/);
    expect(r.status).toBe(2);
  });
});

describe('a file is written whole or not at all', () => {
  it('a path in a missing directory fails at once, before the captures are read', () => {
    const cap = file('nodir.pcap', FAILING);
    const r = runCli(['check', cap, '--format', `json:${path('no/such/dir/r.json')}`]);
    expectOneLine(r, /^lvs-pcap: --format json:.*no\/such\/dir\/r\.json: cannot write .*: no such directory$/);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('a directory is not a file', () => {
    const cap = file('isdir.pcap', FAILING);
    const r = runCli(['check', cap, '--write-evidence', path('')]);
    expectOneLine(r, /cannot write .*: is a directory$/);
  });

  it('a write that fails part-way (an 8 KiB file size limit) leaves the old file, no temporary file, the verdict and the other reports', () => {
    const d = path('fsize');
    mkdirSync(d);
    const cap = file('fsize.pcap', toPcap(Array.from({ length: 12 }, (_, i) => drConversation({ clientPort: 44000 + i, startSeconds: T0 + i, replySrc: RS1.ip })).flat()));
    // Sizes first: the limit must stop the JSON report and let the Markdown one through.
    const sizes = runCli(['check', cap, '--format', `json:${d}/r.json`, '--format', `markdown:${d}/small.md`]);
    expect(sizes.status).toBe(1);
    expect(statSync(join(d, 'small.md')).size).toBeLessThan(8192);
    expect(statSync(join(d, 'r.json')).size).toBeGreaterThan(16384);
    writeFileSync(join(d, 'r.json'), 'OLD');
    // The shell ignores SIGXFSZ so that the write fails with EFBIG instead of killing the process.
    const script = `trap '' XFSZ; ulimit -f 8; exec "$0" "$@"`;
    const r = spawnSync('sh', ['-c', script, process.execPath, CLI_BIN, 'check', cap, '--format', `json:${d}/r.json`, '--format', `markdown:${d}/small.md`, '--format', 'table'], {
      encoding: 'utf8',
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.signal).toBeNull();
    expect(r.stderr).toMatch(new RegExp(`^lvs-pcap: --format json:${re(d)}/r\\.json: cannot write ${re(d)}/r\\.json: file too large\\n$`));
    expect(readFileSync(join(d, 'r.json'), 'utf8')).toBe('OLD');
    expect(readFileSync(join(d, 'small.md'), 'utf8')).toMatch(/^## ❌ FAIL: lvs-pcap check/);
    expect(r.stdout).toMatch(/^lvs-pcap check: FAIL/);
    expect(leftovers(d)).toEqual([]);
    expect(r.status).toBe(1);
  });

  it('--write-evidence /dev/full: the report and its verdict, then one line on stderr', () => {
    const cap = file('full.pcap', FAILING);
    const r = runCli(['check', cap, '--write-evidence', '/dev/full']);
    expectNoCrash(r);
    expect(r.stdout).toMatch(/^lvs-pcap check: FAIL/);
    expect(stderrLines(r)).toEqual(['lvs-pcap: --write-evidence /dev/full: cannot write /dev/full: no space left on device']);
    expect(r.status).toBe(1);
  });

  it('stdout on a full disk: one line, the verdict as exit status', () => {
    const cap = file('full-stdout.pcap', FAILING);
    const fd = openSync('/dev/full', 'w');
    const r = spawnSync(process.execPath, [CLI_BIN, 'check', cap], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', cwd: REPO });
    closeSync(fd);
    expect(r.stderr).toBe('lvs-pcap: cannot write the report to stdout: no space left on device\n');
    expect(r.status).toBe(1);
  });

  it.each([
    ['dump', (cap: string) => ['dump', cap]],
    ['topology', (cap: string) => ['topology', cap]],
    ['rules', () => ['rules']],
    ['explain', () => ['explain', 'no-reply']],
  ])('%s on a full disk: one line, exit 2, no stack trace', (_name, args) => {
    const cap = file('full-other.pcap', FAILING);
    const fd = openSync('/dev/full', 'w');
    const r = spawnSync(process.execPath, [CLI_BIN, ...args(cap)], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', cwd: REPO });
    closeSync(fd);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('lvs-pcap'))).toEqual(['lvs-pcap: cannot write to stdout: no space left on device']);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.status).toBe(2);
  });

  it('--follow on a full disk: the lines stop, the analysis goes on to its verdict', () => {
    const cap = file('full-follow.pcap', FAILING);
    const fd = openSync('/dev/full', 'w');
    const r = spawnSync(process.execPath, [CLI_BIN, 'check', cap, '--follow'], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', cwd: REPO });
    closeSync(fd);
    expect(r.stderr).toBe('lvs-pcap: cannot write --follow lines to stdout: no space left on device\nlvs-pcap: cannot write the report to stdout: no space left on device\n');
    expect(r.status).toBe(1);
  });

  it('a symbolic link is followed: the file it names is replaced, the link and the mode stay', () => {
    const cap = file('link-out.pcap', FAILING);
    const target = file('link-target.json', 'old');
    chmodSync(target, 0o640);
    symlinkSync(target, path('link-out.json'));
    symlinkSync(path('link-new-target.json'), path('dangling.json'));
    const r = runCli(['check', cap, '--format', `json:${path('link-out.json')}`, '--format', `junit:${path('dangling.json')}`]);
    expectNoCrash(r);
    expect(lstatSync(path('link-out.json')).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toMatchObject({ verdict: 'fail' });
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(lstatSync(path('dangling.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path('link-new-target.json'), 'utf8')).toMatch(/^<\?xml/);
    expect(leftovers(path(''))).toEqual([]);
  });

  const root = process.getuid?.() === 0;
  const setpriv = root && spawnSync('setpriv', ['--version']).status === 0;

  it.skipIf(!root)('root replacing a user\'s file keeps its owner (skipped unless root)', () => {
    const cap = file('owner.pcap', FAILING);
    const out = file('owner.json', 'old');
    chownSync(out, 65534, 65534);
    const r = runCli(['check', cap, '--format', `json:${out}`]);
    expect(r.status).toBe(1);
    expect([statSync(out).uid, statSync(out).gid]).toEqual([65534, 65534]);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ verdict: 'fail' });
  });

  it.skipIf(!setpriv)('a writable file in a directory the user cannot write: written in place (skipped unless root with setpriv)', () => {
    // The test directory is private (mkdtemp): the other user must be able to walk into it.
    chmodSync(path(''), 0o755);
    const d = path('locked');
    mkdirSync(d, { mode: 0o755 });
    const cap = join(d, 'cap.pcap');
    writeFileSync(cap, FAILING, { mode: 0o644 });
    const out = join(d, 'r.json');
    writeFileSync(out, 'old', { mode: 0o666 });
    chmodSync(out, 0o666);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI_BIN, 'check', cap, '--format', `json:${out}`], { encoding: 'utf8', cwd: REPO });
    expect(r.stderr).toMatch(/^lvs-pcap: FAIL: [^\n]*\n$/);
    expect(r.status).toBe(1);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ verdict: 'fail' });
    // A file the user may not write, in that directory: refused before the analysis.
    writeFileSync(join(d, 'ro.json'), 'old', { mode: 0o644 });
    const ro = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI_BIN, 'check', cap, '--format', `json:${join(d, 'ro.json')}`], { encoding: 'utf8', cwd: REPO });
    expect(ro.stderr).toMatch(/cannot write .*ro\.json: permission denied\n$/);
    expect(ro.status).toBe(2);
  });

  it('a named pipe is written in place', async () => {
    const cap = file('fifo.pcap', FAILING);
    const fifo = path('out.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (d: Buffer) => (got += d.toString()));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    const r = runCli(['check', cap, '--format', `json:${fifo}`]);
    await closed;
    expect(r.status).toBe(1);
    expect(JSON.parse(got)).toMatchObject({ verdict: 'fail' });
    expect(existsSync(fifo) && !statSync(fifo).isFile()).toBe(true);
  });
});

describe('a reader that goes away', () => {
  /** Runs `lvs-pcap ARGS | head -n 1` in sh: the CLI's exit status and stderr, and head's line. */
  function intoHead(args: string[]): { status: number; stderr: string; line: string } {
    const quoted = args.map((a) => `'${a}'`).join(' ');
    const err = path(`head-${args[0]}.err`);
    // sh has no PIPESTATUS: the CLI's status goes through a file of its own.
    const r = spawnSync('sh', ['-c', `{ "${process.execPath}" "${CLI_BIN}" ${quoted} 2>"${err}"; echo $? >"${err}.status"; } | head -n 1`], { encoding: 'utf8', cwd: REPO });
    return { status: Number(readFileSync(`${err}.status`, 'utf8')), stderr: readFileSync(err, 'utf8'), line: r.stdout };
  }

  it('rules | head -n 1: the first rule, exit 0, nothing on stderr', () => {
    const r = intoHead(['rules']);
    expect(r.line).toMatch(/^director-l2-only\s+error\s/);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('check | head -n 1: the verdict line, then the verdict as exit status, nothing on stderr', () => {
    const cap = file('head.pcap', FAILING);
    const r = intoHead(['check', cap, '--all-flows']);
    expect(r.line).toBe('lvs-pcap check: FAIL\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
  });

  it('stderr into a pipe whose reader has closed it: the report whole, the verdict (0) as exit status', () => {
    // Fifty sections, each with a packet of an interface it never declared: eleven warnings,
    // every one of them a write that fails with EPIPE.
    const unit = Buffer.from([
      ...[0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0],
      ...[6, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4, 36, 0, 0, 0],
    ]);
    const churn = file('churn.pcapng', Buffer.concat(new Array<Buffer>(50).fill(unit)));
    const passing = file('stderr-gone.pcap', toPcap(drConversation({ clientPort: 43100 })));
    const status = path('stderr-gone.status');
    // The reader closes its end at once, long before node has started.
    const r = spawnSync('sh', ['-c', `exec 3>&1; { "${process.execPath}" "${CLI_BIN}" check '${churn}' '${passing}' 2>&1 1>&3 3>&-; echo $? >"${status}"; } | { exec 0<&-; }`], { encoding: 'utf8', cwd: REPO });
    expect(r.stdout).toMatch(/^lvs-pcap check: PASS\n/);
    expect(r.stdout).toMatch(/\nSummary: PASS: 1 flow .*\n$/);
    expect(readFileSync(status, 'utf8')).toBe('0\n');
  });
});
