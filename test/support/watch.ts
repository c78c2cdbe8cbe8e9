// `lvs-pcap watch` as a child process fed through a pipe, the way tcpdump -U feeds it: the
// tests write a capture in chunks, read its lines as they come, and wait for what they expect.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { CLI_BIN, REPO_ROOT } from './cli.js';

export interface Watched {
  child: ChildProcessWithoutNullStreams;
  /** Everything on stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** stdout lines with the milliseconds (since spawn) they arrived at. */
  lines(): { at: number; text: string }[];
  /** Resolves with the exit status (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Waits until `test` holds for stdout (or stderr with `onStderr`), at most `ms`. */
  waitFor(test: (text: string) => boolean, ms: number, onStderr?: boolean): Promise<void>;
  /** Writes `bytes` to stdin in `chunk`-byte pieces, `pauseMs` apart. */
  feed(bytes: Uint8Array, chunk: number, pauseMs: number): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function watch(args: string[]): Watched {
  const child = spawn(process.execPath, [CLI_BIN, 'watch', ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' } });
  const t0 = Date.now();
  let out = '';
  let err = '';
  let partial = '';
  const lines: { at: number; text: string }[] = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) lines.push({ at: Date.now() - t0, text });
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    lines: () => lines,
    exited,
    async waitFor(test, ms, onStderr = false) {
      const until = Date.now() + ms;
      while (!test(onStderr ? err : out)) {
        if (Date.now() > until) throw new Error(`timed out after ${ms} ms; stdout:\n${out}\nstderr:\n${err}`);
        await sleep(20);
      }
    },
    async feed(bytes, chunk, pauseMs) {
      for (let o = 0; o < bytes.length; o += chunk) {
        child.stdin.write(bytes.subarray(o, Math.min(bytes.length, o + chunk)));
        await sleep(pauseMs);
      }
    },
  };
}
