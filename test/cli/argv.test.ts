import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFileName, fsPath } from '../../src/capture/fs-path.js';
import { restore } from '../../src/cli/argv.js';

describe('file names that are not UTF-8', () => {
  it('valid UTF-8 stays a plain string', () => {
    expect(decodeFileName(Buffer.from('café/漢字.pcap'))).toBe('café/漢字.pcap');
    expect(fsPath('café/漢字.pcap')).toBe('café/漢字.pcap');
  });

  it('each byte outside a valid sequence is carried as U+DC80 + byte, and comes back', () => {
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x70]); // "café.p" in Latin-1
    expect(decodeFileName(latin1)).toBe('caf\udce9.p');
    expect(fsPath('caf\udce9.p')).toEqual(latin1);
    // An overlong encoding of '/' and a lone continuation byte: escaped byte by byte.
    expect(decodeFileName(Buffer.from([0xc0, 0xaf, 0x80]))).toBe('\udcc0\udcaf\udc80');
  });

  it('any bytes round-trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const back = fsPath(decodeFileName(bytes));
        expect(Buffer.from(typeof back === 'string' ? Buffer.from(back, 'utf8') : back)).toEqual(Buffer.from(bytes));
      }),
    );
  });
});

describe('restore', () => {
  const cmdline = (...args: (string | Buffer)[]): Buffer => Buffer.concat(args.flatMap((a) => [Buffer.isBuffer(a) ? a : Buffer.from(a), Buffer.of(0)]));

  it('takes an argument that lost bytes from /proc/self/cmdline', () => {
    const raw = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x70, 0x63, 0x61, 0x70]);
    const args = ['check', raw.toString('utf8'), '--format', 'json'];
    expect(args[1]).toBe('caf\ufffd.pcap');
    expect(restore(args, cmdline('/usr/bin/node', '--stack-size=900', '/x/bin/lvs-pcap.js', 'check', raw, '--format', 'json'))).toEqual([
      'check',
      'caf\udce9.pcap',
      '--format',
      'json',
    ]);
  });

  it('keeps the arguments as they are when the command line does not line up with them', () => {
    const args = ['check', 'caf\ufffd.pcap'];
    expect(restore(args, cmdline('node', 'lvs-pcap', 'check', 'other.pcap'))).toEqual(args);
    expect(restore(args, cmdline('check'))).toEqual(args);
  });
});
