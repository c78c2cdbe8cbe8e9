import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { CaptureParser, type CaptureParserOptions } from './parser.js';
import { fsPath } from './fs-path.js';
import type { CaptureSink, CaptureSummary } from './context.js';

export interface ReadCaptureOptions extends CaptureParserOptions {
  /** Bytes per read (and per decompressed chunk); default 1 MiB. */
  chunkSize?: number;
  /** Called after each chunk read from the file or stdin, in raw (still compressed) bytes. */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Aborting stops reading; the promise then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Awaited (when it returns a promise) before each chunk is parsed: backpressure for a
   * consumer that queues records, e.g. the time-ordered merge of several captures.
   */
  beforePush?: () => Promise<void> | undefined;
}

export interface ReadResult extends CaptureSummary {
  /** As given ('-' for stdin). */
  path: string;
  /** The input was gzip (detected by its magic, not by name). */
  compressed: boolean;
}

/** The capture could not be opened at all; `message` is one line naming the file. */
export class CaptureOpenError extends Error {
  override readonly name = 'CaptureOpenError';
  constructor(
    /** errno code (ENOENT, EISDIR, EACCES, ...). */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_CHUNK = 1024 * 1024;
const GUNZIP_CHUNK = 256 * 1024;

const OPEN_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a path component is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
};

function openError(path: string, err: unknown): CaptureOpenError {
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : 'EIO';
  const what = OPEN_ERRORS[code] ?? (err instanceof Error ? err.message.split('\n')[0]! : String(err));
  // The path as given, not its basename: `x/y: not a directory` must say which x/y, and the
  // content issues of the same run name the path as given too.
  return new CaptureOpenError(code, `${path}: ${what}`);
}

/**
 * Chunks of a file, reading one ahead: the next read is under way while the caller parses the
 * current chunk (a profile showed a quarter of a read+decode pass idle, waiting on the disk).
 * A fresh buffer unless the caller handed one back: gunzip may still hold the previous one, so
 * only the caller knows when a chunk is done with.
 */
async function* fileChunks(fh: FileHandle, size: number, spare: Uint8Array[]): AsyncGenerator<Uint8Array> {
  const readNext = (): Promise<{ buf: Uint8Array; bytesRead: number }> => {
    const buf = spare.pop() ?? Buffer.allocUnsafe(size);
    return fh.read(buf, 0, size, null).then((r) => ({ buf, bytesRead: r.bytesRead }));
  };
  let pending = readNext();
  try {
    for (;;) {
      const { buf, bytesRead } = await pending;
      if (bytesRead === 0) return;
      // Positionless reads continue where the last one ended, so one may start only now.
      pending = readNext();
      yield bytesRead === size ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    // The caller stopped early (or the last read ended the file): let the read in flight finish
    // before the file is closed, and never leave its rejection unhandled.
    await pending.catch(() => undefined);
  }
}

/**
 * Reads a capture file (or stdin for '-'), gunzipping it if it starts with the gzip magic, and
 * pushes it through a CaptureParser into `sink`. Memory stays bounded by the chunk size and the
 * largest record whatever the file size. Problems with the content become issues in the result
 * (never a rejection); only a path that cannot be opened rejects, with CaptureOpenError.
 */
export async function readCapture(path: string, sink: CaptureSink, options: ReadCaptureOptions = {}): Promise<ReadResult> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const { onProgress, signal, beforePush } = options;
  signal?.throwIfAborted();
  let total: number | undefined;
  let fh: FileHandle | undefined;
  let raw: AsyncIterator<Uint8Array>;
  // Plain files reuse their read buffer once parsed: a new 1 MiB buffer per chunk cost tens of
  // MB of external memory waiting for the garbage collector (the parser copies what it keeps).
  const spare: Uint8Array[] = [];
  if (path === '-') {
    raw = (process.stdin as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  } else {
    try {
      fh = await open(fsPath(path), 'r');
      const st = await fh.stat();
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      total = st.isFile() ? st.size : undefined;
    } catch (err) {
      await fh?.close();
      throw openError(path, err);
    }
    raw = fileChunks(fh, chunkSize, spare);
  }
  const parser = new CaptureParser(sink, options);
  let bytesRead = 0;
  let compressed = false;
  try {
    // Gather the first two bytes (stdin may deliver one at a time) to look for the gzip magic.
    const head: Uint8Array[] = [];
    let headLen = 0;
    let ended = false;
    try {
      while (headLen < 2) {
        // With the abort too: a pipe whose writer has sent nothing yet must not hold Ctrl-C.
        const r = await nextOrAbort(raw, signal);
        if (r.done) {
          ended = true;
          break;
        }
        head.push(r.value);
        headLen += r.value.length;
        bytesRead += r.value.length;
        onProgress?.(bytesRead, total);
      }
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      parser.fail('read_error', `read failed: ${errorText(err)}`);
    }
    const first = head.length === 1 ? head[0]! : Buffer.concat(head);
    compressed = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
    if (!compressed) {
      if (first.length > 0) parser.push(first);
      while (!ended && !parser.stopped) {
        signal?.throwIfAborted();
        let r: IteratorResult<Uint8Array>;
        try {
          r = await nextOrAbort(raw, signal);
        } catch (err) {
          if (signal?.aborted) throw signal.reason;
          parser.fail('read_error', `read failed after ${bytesRead} bytes: ${errorText(err)}`);
          break;
        }
        if (r.done) break;
        bytesRead += r.value.length;
        onProgress?.(bytesRead, total);
        const wait = beforePush?.();
        if (wait) await wait;
        // Outside the try: an exception from the sink is the caller's and propagates as is.
        parser.push(r.value);
        if (fh !== undefined && r.value.length === chunkSize) spare.push(r.value);
      }
    } else {
      const source = Readable.from(
        (async function* () {
          // Each chunk is held back until the next arrives, and the last 8 bytes (the gzip
          // trailer) go in a write of their own: zlib drops the output of the inflate call that
          // fails, so a bad checksum must not fail in the same call as the final data.
          let held: Uint8Array = first;
          if (!ended) {
            for (;;) {
              const r = await raw.next();
              if (r.done) break;
              bytesRead += r.value.length;
              onProgress?.(bytesRead, total);
              yield held;
              held = r.value;
            }
          }
          if (held.length > 8) yield held.subarray(0, held.length - 8);
          yield held.length > 8 ? held.subarray(held.length - 8) : held;
        })(),
        { objectMode: false },
      );
      // On corrupt input zlib discards the output of the failing call, so the output chunk size
      // bounds what is lost before the damage point. Measured on a 100 MB capture (commit b6ee933,
      // 2026-11-26): 16 KiB chunks
      // gave 1.5 M records/s, 256 KiB 7-9 M/s, 1 MiB 5 M/s; 256 KiB it is.
      const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK });
      let sinkFailed = false;
      let sinkError: unknown;
      try {
        await pipeline(
          source,
          gunzip,
          async (out: AsyncIterable<Uint8Array>) => {
            for await (const chunk of out) {
              const wait = beforePush?.();
              if (wait) await wait;
              try {
                parser.push(chunk);
              } catch (err) {
                sinkFailed = true;
                sinkError = err;
                throw err;
              }
              // Nothing more can be used: stop decompressing.
              if (parser.stopped) return;
            }
          },
          signal ? { signal } : {},
        );
      } catch (err) {
        // The sink's own exception is the caller's, not a gzip or read problem.
        if (sinkFailed) throw sinkError;
        if (signal?.aborted) throw signal.reason;
        const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
        if (code.startsWith('Z_') || code === 'ERR_ZLIB_INITIALIZATION_FAILED') {
          const cut = code === 'Z_BUF_ERROR';
          parser.fail(
            'bad_gzip',
            cut
              ? `gzip stream cut short after ${bytesRead} compressed bytes (${parser.bytesPushed} bytes decompressed)`
              : `corrupt gzip data (${errorText(err)}) after ${parser.bytesPushed} decompressed bytes`,
          );
        } else {
          parser.fail('read_error', `read failed after ${bytesRead} bytes: ${errorText(err)}`);
        }
      }
    }
  } finally {
    // Stops the file generator, or releases stdin when the read stopped early.
    // After an abort a read may still be pending on a stalled pipe: do not wait for it.
    if (signal?.aborted) void raw.return?.();
    else await raw.return?.();
    await fh?.close();
  }
  signal?.throwIfAborted();
  return { ...parser.end(), path, compressed };
}

/**
 * The next chunk, or the abort: a pipe that delivers nothing (a stalled tcpdump) must not keep
 * an interrupted read waiting for data that may never come.
 */
function nextOrAbort(it: AsyncIterator<Uint8Array>, signal: AbortSignal | undefined): Promise<IteratorResult<Uint8Array>> {
  if (!signal) return it.next();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    it.next().then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}

/** Parses an in-memory capture (no gzip detection), in `chunkSize` pieces if given. */
export function readCaptureBuffer(bytes: Uint8Array, sink: CaptureSink, options: CaptureParserOptions & { chunkSize?: number } = {}): CaptureSummary {
  const parser = new CaptureParser(sink, options);
  const step = options.chunkSize ?? bytes.length;
  if (step <= 0 || step >= bytes.length) {
    if (bytes.length > 0) parser.push(bytes);
  } else {
    for (let i = 0; i < bytes.length && !parser.stopped; i += step) parser.push(bytes.subarray(i, Math.min(bytes.length, i + step)));
  }
  return parser.end();
}
