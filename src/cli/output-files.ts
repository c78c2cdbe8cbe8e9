/**
 * The files a run writes (--format NAME:FILE, --output, --write-evidence, topology --output),
 * checked before any capture is read and written so that a failure leaves nothing half-done:
 *
 * - an output may not be an input (a capture, --ipvsadm, --config), whatever path names it:
 *   a symbolic link, a hard link or another spelling of the same file is caught by device and
 *   inode; nor may two outputs be one file, nor an output the file stdout already goes to;
 * - a regular file is written to a temporary file beside it, renamed over it once complete
 *   (keeping its permission bits), so a full disk or a crash leaves the old file or none, never
 *   a partial one; a symbolic link is followed, and the file it names is the one replaced;
 * - a device, pipe or socket (/dev/null, a FIFO, /dev/stdout) is written in place;
 * - the directory is tried at once (the temporary file is created then), so a typo'd or
 *   read-only path fails in milliseconds, before the captures are read.
 *
 * Temporary files still present at exit (an error, a second Ctrl-C) are removed.
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  lstatSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../topology/usage-error.js';
import { fsPath } from '../capture/fs-path.js';

export interface OutputRequest {
  /** How the user named it, for messages: `--format json:r.json`. */
  flag: string;
  path: string;
}

export interface InputRequest {
  /** `capture x.pcap`, `--config lvs.yaml`. */
  what: string;
  path: string;
}

/** One output, ready: `open()` gives the descriptor to write, then `commit()` or `discard()`. */
export interface PreparedOutput extends OutputRequest {
  /** Opens (a device or pipe, now) or returns the temporary file's descriptor. */
  open(): number;
  /** The output is complete: the temporary file takes the target's place. */
  commit(): void;
  /** Something failed: the temporary file goes, the target is left as it was. */
  discard(): void;
}

/** Temporary files not yet renamed or removed, for the exit hook. */
const pending = new Set<string>();
let exitHook = false;

function removePending(): void {
  for (const p of pending) {
    try {
      unlinkSync(fsPath(p));
    } catch {
      // Already gone.
    }
  }
  pending.clear();
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  EISDIR: 'is a directory',
  ENOTDIR: 'a path component is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'file name too long',
  ENXIO: 'no reader on the other end',
  EPIPE: 'the reader went away',
  EBADF: 'not open for writing',
};

/** An error from the file system (it has an errno code), as opposed to a bug. */
export function isWriteError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code);
}

/** A write error in words, for a one-line message. */
export function writeReason(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
  return REASONS[code] ?? (code !== '' ? code : err instanceof Error ? (err.message.split('\n')[0] ?? 'error') : String(err));
}

/** Device and inode: the file itself, whatever path names it. */
function identity(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}

/** Paths under these are the kernel's views of descriptors and devices: written in place, never renamed over. */
function isSpecialPath(p: string): boolean {
  return p.startsWith('/dev/') || p.startsWith('/proc/');
}

interface Target {
  /** Absolute path of the file that is written or replaced. */
  file: string;
  /** Its state now, when it exists. */
  existing: Stats | undefined;
  /** Written in place (a device, a pipe, a socket, a descriptor path). */
  inPlace: boolean;
}

/** Follows symbolic links (dangling ones too) to the file an output really is. */
function resolveTarget(o: OutputRequest): Target {
  let p = resolve(o.path);
  for (let hops = 0; hops < 40; hops++) {
    if (isSpecialPath(p)) {
      let existing: Stats | undefined;
      try {
        existing = statSync(fsPath(p));
      } catch {
        existing = undefined;
      }
      return { file: p, existing, inPlace: true };
    }
    let st: Stats;
    try {
      st = lstatSync(fsPath(p));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${o.flag}: cannot write ${o.path}: ${writeReason(err)}`);
      // A new file: its directory must exist.
      let dir: string;
      try {
        dir = realpathSync(fsPath(dirname(p))).toString();
      } catch (e) {
        throw new UsageError(`${o.flag}: cannot write ${o.path}: ${writeReason(e)}`);
      }
      return { file: join(dir, basename(p)), existing: undefined, inPlace: false };
    }
    if (st.isSymbolicLink()) {
      p = resolve(dirname(p), readlinkSync(fsPath(p)).toString());
      continue;
    }
    if (st.isDirectory()) throw new UsageError(`${o.flag}: cannot write ${o.path}: is a directory`);
    const dir = realpathSync(fsPath(dirname(p))).toString();
    return { file: join(dir, basename(p)), existing: st, inPlace: !st.isFile() };
  }
  throw new UsageError(`${o.flag}: cannot write ${o.path}: too many symbolic links`);
}

/**
 * Checks every output against the inputs and each other, and gets each ready (see the file's
 * comment). `stdoutUsed`: some report goes to stdout, which may not then be one of the files.
 * Throws UsageError naming the flag and the reason.
 */
export function prepareOutputs(outputs: readonly OutputRequest[], inputs: readonly InputRequest[], stdoutUsed: boolean): PreparedOutput[] {
  const inputIds = new Map<string, InputRequest>();
  for (const i of inputs) {
    if (i.path === '-') continue;
    try {
      inputIds.set(identity(statSync(fsPath(i.path))), i);
    } catch {
      // Unopenable: reading it says why.
    }
  }
  let stdoutId: string | undefined;
  try {
    const st = fstatSync(1);
    if (st.isFile()) stdoutId = identity(st);
  } catch {
    stdoutId = undefined;
  }
  if (stdoutUsed && stdoutId !== undefined) {
    const input = inputIds.get(stdoutId);
    if (input) throw new UsageError(`stdout is ${input.what}: refusing to write the report over an input`);
  }
  const seen = new Map<string, OutputRequest>();
  const targets = outputs.map((o) => {
    const t = resolveTarget(o);
    const id = t.existing !== undefined ? identity(t.existing) : `path:${t.file}`;
    const input = t.existing !== undefined ? inputIds.get(id) : undefined;
    if (input) throw new UsageError(`${o.flag}: ${o.path} is ${input.what}: refusing to write over an input`);
    const other = seen.get(id);
    if (other) throw new UsageError(`${o.flag}: ${o.path} is the same file as ${other.flag}`);
    if (stdoutUsed && id === stdoutId && !t.inPlace) throw new UsageError(`${o.flag}: ${o.path} is where stdout goes too: give the report on stdout a file of its own, or drop ${o.flag}`);
    seen.set(id, o);
    if (t.existing !== undefined && !t.inPlace) {
      try {
        accessSync(fsPath(t.file), constants.W_OK);
      } catch (err) {
        throw new UsageError(`${o.flag}: cannot write ${o.path}: ${writeReason(err)}`);
      }
    }
    return t;
  });
  return outputs.map((o, i) => prepare(o, targets[i]!));
}

function prepare(o: OutputRequest, t: Target): PreparedOutput {
  if (t.inPlace) return inPlace(o, t);
  const temp = join(dirname(t.file), `.${basename(t.file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(fsPath(temp), 'wx', 0o666);
  } catch (err) {
    // A writable file in a directory we may not create files in (as `> file` would write it):
    // written in place, without the temporary file.
    const code = (err as NodeJS.ErrnoException).code;
    if (t.existing !== undefined && (code === 'EACCES' || code === 'EPERM')) return inPlace(o, t);
    throw new UsageError(`${o.flag}: cannot write ${o.path}: ${writeReason(err)}`);
  }
  return replacing(o, t, temp, fd);
}

/** A device, pipe or descriptor path, or a file whose directory we cannot write: opened at write time. */
function inPlace(o: OutputRequest, t: Target): PreparedOutput {
  let fd: number | undefined;
  return {
    ...o,
    open(): number {
      fd ??= openSync(fsPath(t.file), 'w');
      return fd;
    },
    commit(): void {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
    discard(): void {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** A regular file, written to `temp` (open as `descriptor`) and renamed over the target. */
function replacing(o: OutputRequest, t: Target, temp: string, descriptor: number): PreparedOutput {
  let fd: number | undefined = descriptor;
  pending.add(temp);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', removePending);
  }
  const close = (): void => {
    if (fd === undefined) return;
    const f = fd;
    fd = undefined;
    closeSync(f);
  };
  return {
    ...o,
    open(): number {
      if (fd === undefined) throw new Error(`${o.flag}: written after commit or discard`);
      return fd;
    },
    commit(): void {
      if (t.existing !== undefined && fd !== undefined) {
        try {
          fchmodSync(fd, t.existing.mode & 0o7777);
          // Root replacing someone else's file (a CI job in a user's workspace) keeps its owner,
          // as writing it in place would.
          if (process.getuid?.() === 0) fchownSync(fd, t.existing.uid, t.existing.gid);
        } catch {
          // Not the owner: the new file keeps the default mode and owner.
        }
      }
      close();
      renameSync(fsPath(temp), fsPath(t.file));
      pending.delete(temp);
    },
    discard(): void {
      close();
      try {
        unlinkSync(fsPath(temp));
      } catch {
        // Already gone.
      }
      pending.delete(temp);
    },
  };
}
