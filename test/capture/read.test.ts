import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureOpenError, readCapture, readCaptureBuffer } from '../../src/capture/read.js';
import { cat, CollectSink, epb, idb, pcapHeader, pcapRecord, shb } from './build.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lvs-pcap-read-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function manyRecords(le: boolean, n: number): Uint8Array {
  const rows = [pcapHeader(le)];
  for (let i = 0; i < n; i++) rows.push(pcapRecord(le, 1000 + i, i, 20 + (i % 50), 60 + (i % 50), i));
  return cat(...rows);
}

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('readCapture', () => {
  it('reads a file in small chunks with progress', async () => {
    const bytes = manyRecords(true, 300);
    const path = write('a.pcap', bytes);
    const progress: Array<[number, number | undefined]> = [];
    const sink = new CollectSink();
    const r = await readCapture(path, sink, { chunkSize: 1000, onProgress: (a, b) => progress.push([a, b]) });
    expect(r).toMatchObject({ path, compressed: false, format: 'pcap', frames: 300, complete: true, bytes: bytes.length });
    expect(sink.records).toEqual(readAll(bytes).records);
    expect(progress.at(-1)).toEqual([bytes.length, bytes.length]);
    expect(progress.length).toBe(Math.ceil(bytes.length / 1000));
  });

  it('gzip is detected by magic (whatever the name) and gives the same records', async () => {
    const bytes = cat(shb(false), idb(false, 1, 0), epb(false, 0, 1, 2, 30), epb(false, 0, 1, 3, 40));
    const plain = new CollectSink();
    const gz = new CollectSink();
    const a = await readCapture(write('b.pcapng', bytes), plain);
    const b = await readCapture(write('b-really-gz.pcapng', gzipSync(bytes)), gz, { chunkSize: 7 });
    expect(a.compressed).toBe(false);
    expect(b.compressed).toBe(true);
    expect(gz.records).toEqual(plain.records);
    expect({ ...b, path: '', compressed: false }).toEqual({ ...a, path: '', compressed: false });
    const big = manyRecords(false, 5000);
    const gzBig = new CollectSink();
    const c = await readCapture(write('c.gz', gzipSync(big)), gzBig, { chunkSize: 4096 });
    expect(c).toMatchObject({ compressed: true, frames: 5000, complete: true, bytes: big.length });
    expect(gzBig.records).toEqual(readAll(big).records);
  });

  it('corrupt gzip: records before the damage, then a fatal bad_gzip at the offset reached', async () => {
    const big = manyRecords(true, 20000);
    // Level 0 = stored blocks: breaking the second block's LEN field makes zlib fail right after
    // the first block's data, with no garbage decompressed before the error.
    const gz = Buffer.from(gzipSync(big, { level: 0 }));
    const firstLen = gz.readUInt16LE(11);
    const second = 10 + 5 + firstLen;
    gz[second + 1] = gz[second + 1]! ^ 0xff;
    const sink = new CollectSink();
    const r = await readCapture(write('bad.pcap.gz', gz), sink, { chunkSize: 1024 });
    expect(r.issues.length).toBe(1);
    const issue = r.issues[0]!;
    expect(issue).toMatchObject({ code: 'bad_gzip', fatal: true });
    expect(issue.message).toBe(`corrupt gzip data (invalid stored block lengths) after ${issue.offset} decompressed bytes`);
    // zlib drops the output of the failing call, here at most what 1024 input bytes expand to.
    expect(issue.offset).toBeLessThanOrEqual(firstLen);
    expect(issue.offset).toBeGreaterThanOrEqual(firstLen - 1024);
    const all = readAll(big).records;
    const before = all.filter((x) => x.fileOffset + 16 + x.capturedLength <= issue.offset).length;
    expect(sink.records).toEqual(all.slice(0, before));
    expect(r.complete).toBe(false);
  });

  it('a bad gzip checksum is reported after every record', async () => {
    const big = manyRecords(true, 100);
    const gz = Buffer.from(gzipSync(big));
    gz[gz.length - 8] = gz[gz.length - 8]! ^ 1; // CRC32 in the trailer
    const sink = new CollectSink();
    const r = await readCapture(write('crc.gz', gz), sink);
    expect(sink.records.length).toBe(100);
    expect(r.issues).toEqual([{ code: 'bad_gzip', offset: big.length, message: `corrupt gzip data (incorrect data check) after ${big.length} decompressed bytes`, fatal: true }]);
  });

  it('gzip cut short is a fatal bad_gzip after the records it held', async () => {
    const big = manyRecords(true, 3000);
    const gz = gzipSync(big);
    const sink = new CollectSink();
    const r = await readCapture(write('cut.gz', gz.subarray(0, gz.length - 100)), sink);
    expect(r.issues.at(-1)).toMatchObject({ code: 'bad_gzip', fatal: true });
    expect(r.issues.at(-1)!.message).toMatch(/^gzip stream cut short after \d+ compressed bytes/);
    expect(sink.records.length).toBeGreaterThan(2000);
  });

  it('opening errors reject with CaptureOpenError and a one-line message', async () => {
    const sink = new CollectSink();
    await expect(readCapture(join(dir, 'capture.pcap'), sink)).rejects.toMatchObject({ name: 'CaptureOpenError', code: 'ENOENT', message: `${join(dir, 'capture.pcap')}: no such file` });
    await expect(readCapture(dir, sink)).rejects.toBeInstanceOf(CaptureOpenError);
    await expect(readCapture(dir, sink)).rejects.toMatchObject({ code: 'EISDIR', message: expect.stringMatching(/: is a directory$/) });
    if (process.getuid?.() !== 0) {
      const locked = write('locked.pcap', manyRecords(true, 1));
      chmodSync(locked, 0);
      await expect(readCapture(locked, sink)).rejects.toMatchObject({ code: 'EACCES', message: `${locked}: permission denied` });
    }
  });

  it('an empty file is reported, not thrown', async () => {
    const r = await readCapture(write('empty.pcap', new Uint8Array(0)), new CollectSink());
    expect(r.issues).toEqual([{ code: 'not_a_capture', offset: 0, message: 'not a pcap or pcapng capture: empty file', fatal: true }]);
  });

  it('an exception thrown by the sink propagates unchanged (plain and gzip)', async () => {
    const bytes = manyRecords(true, 50);
    const boom = new Error('sink bug');
    const sink = { onRecord: () => { throw boom; }, onIssue: () => {} };
    await expect(readCapture(write('throw.pcap', bytes), sink)).rejects.toBe(boom);
    await expect(readCapture(write('throw.pcap.gz', gzipSync(bytes)), sink)).rejects.toBe(boom);
  });

  it('an aborted read rejects with the abort reason', async () => {
    const ctl = new AbortController();
    const path = write('abort.pcap', manyRecords(true, 2000));
    let n = 0;
    const sink = { onRecord: () => { if (++n === 10) ctl.abort(new Error('stop')); }, onIssue: () => {} };
    await expect(readCapture(path, sink, { chunkSize: 1024, signal: ctl.signal })).rejects.toThrow('stop');
    expect(n).toBeLessThan(2000);
    const ctl2 = new AbortController();
    n = 0;
    const sink2 = { onRecord: () => { if (++n === 10) ctl2.abort(new Error('stop gz')); }, onIssue: () => {} };
    await expect(readCapture(write('abort.pcap.gz', gzipSync(manyRecords(true, 20000))), sink2, { chunkSize: 1024, signal: ctl2.signal })).rejects.toThrow('stop gz');
    expect(n).toBeLessThan(20000);
  });
});

describe('readCapture("-") reads stdin', () => {
  let jsDir: string;
  beforeAll(() => {
    // Node 20 cannot run the TypeScript sources: transpile src/capture for the child process.
    jsDir = join(dir, 'js');
    mkdirSync(jsDir);
    const src = join(import.meta.dirname, '../../src/capture');
    for (const f of readdirSync(src).filter((n) => n.endsWith('.ts'))) {
      const out = ts.transpileModule(readFileSync(join(src, f), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      writeFileSync(join(jsDir, f.replace(/\.ts$/, '.js')), out.outputText);
    }
    writeFileSync(
      join(jsDir, 'stdin-child.mjs'),
      `import { readCapture } from './read.js';
const records = [];
const sink = { onRecord(r) { records.push([r.frameNumber, r.tsSeconds, r.tsNanos, r.capturedLength, r.originalLength, r.fileOffset, Buffer.from(r.data.subarray(r.offset, r.offset + r.capturedLength)).toString('hex')]); }, onIssue() {} };
const r = await readCapture('-', sink, { chunkSize: 333 });
process.stdout.write(JSON.stringify({ records, r }));
`,
    );
  });

  function viaStdin(bytes: Uint8Array): Promise<{ records: unknown[]; r: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(jsDir, 'stdin-child.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d: string) => (out += d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { records: unknown[]; r: Record<string, unknown> }) : reject(new Error(`child exited ${code}`))));
      // Several writes, so the child sees the stream in pieces.
      for (let i = 0; i < bytes.length; i += 4000) child.stdin.write(bytes.subarray(i, i + 4000));
      child.stdin.end();
    });
  }

  it('plain and gzip on stdin give the records of the file', async () => {
    const bytes = manyRecords(true, 500);
    const expected = readAll(bytes).records.map((r) => [r.frameNumber, r.tsSeconds, r.tsNanos, r.capturedLength, r.originalLength, r.fileOffset, Buffer.from(r.bytes).toString('hex')]);
    const plain = await viaStdin(bytes);
    expect(plain.records).toEqual(expected);
    expect(plain.r).toMatchObject({ path: '-', compressed: false, complete: true, frames: 500 });
    const gz = await viaStdin(gzipSync(bytes));
    expect(gz.records).toEqual(expected);
    expect(gz.r).toMatchObject({ path: '-', compressed: true, complete: true, frames: 500 });
  });
});

function readAll(bytes: Uint8Array): CollectSink {
  const sink = new CollectSink();
  readCaptureBuffer(bytes, sink);
  return sink;
}
