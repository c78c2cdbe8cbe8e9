/**
 * Buffered writes to a file descriptor (stdout by default) that survive a closed pipe
 * (`lvs-pcap dump x.pcap | head`): on EPIPE the reader is gone, so we stop writing and exit
 * quietly, as tcpdump does.
 */
import { writeSync } from 'node:fs';

const FLUSH_AT = 1 << 16;

export class OutputBuffer {
  private parts: string[] = [];
  private size = 0;
  closed = false;

  constructor(private readonly fd = 1) {}

  write(s: string): void {
    if (this.closed) return;
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0 || this.closed) return;
    const data = this.parts.join('');
    this.parts = [];
    this.size = 0;
    writeAll(this.fd, data, () => {
      this.closed = true;
    });
  }
}

/** Synchronous write of all of `data` to fd, retrying on EAGAIN (a non-blocking pipe). */
export function writeAll(fd: number, data: string, onClosed: () => void): void {
  let buf = Buffer.from(data);
  while (buf.length > 0) {
    try {
      const n = writeSync(fd, buf);
      buf = buf.subarray(n);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') {
        onClosed();
        return;
      }
      throw err;
    }
  }
}
