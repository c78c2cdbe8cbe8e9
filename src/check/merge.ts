/**
 * Several captures of one incident (the director's port, an RS, a client) read as one
 * story: the readers run side by side and their records are merged by timestamp. A reader's
 * records are copied into its queue (the reader reuses its buffers); the merge hands on the
 * earliest head only while every unfinished capture has a record queued, so nothing later can
 * still arrive before it. A reader whose queue is full (in records or in bytes) waits before
 * parsing its next chunk, which bounds memory by captures x queue size, not by file size.
 */
import { CaptureRecord } from '../capture/record.js';

/** Records a capture may hold in its queue before its reader waits. */
const QUEUE_LIMIT = 20_000;
/** Bytes of frames likewise: 20,000 frames of 256 KiB would be 5 GB. */
const QUEUE_BYTES = 64 * 1024 * 1024;

interface QueuedRecord {
  frameNumber: number;
  tsSeconds: number;
  tsNanos: number;
  time: number;
  linkType: number;
  interfaceId: number;
  capturedLength: number;
  originalLength: number;
  fileOffset: number;
  bytes: Uint8Array;
}

class CaptureQueue {
  records: QueuedRecord[] = [];
  head = 0;
  done = false;
  /** Frame bytes held. */
  bytes = 0;
  resume: (() => void) | null = null;

  get size(): number {
    return this.records.length - this.head;
  }

  peek(): QueuedRecord | undefined {
    return this.records[this.head];
  }

  shift(): QueuedRecord | undefined {
    const r = this.records[this.head];
    if (r === undefined) return undefined;
    this.records[this.head] = undefined as unknown as QueuedRecord;
    this.head++;
    this.bytes -= r.bytes.length;
    if (this.head > 4096 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
    return r;
  }
}

export class CaptureMerger {
  private readonly queues: CaptureQueue[];
  private readonly view = new CaptureRecord();

  /** `deliver` receives each record in time order, with the index of its capture. */
  constructor(
    count: number,
    private readonly deliver: (rec: CaptureRecord, capture: number) => void,
  ) {
    this.queues = Array.from({ length: count }, () => new CaptureQueue());
  }

  /** The sink callback for capture `index`: copies the record into its queue. */
  add(index: number, rec: CaptureRecord): void {
    const q = this.queues[index]!;
    q.bytes += rec.capturedLength;
    q.records.push({
      frameNumber: rec.frameNumber,
      tsSeconds: rec.tsSeconds,
      tsNanos: rec.tsNanos,
      time: rec.tsSeconds + rec.tsNanos / 1e9,
      linkType: rec.linkType,
      interfaceId: rec.interfaceId,
      capturedLength: rec.capturedLength,
      originalLength: rec.originalLength,
      fileOffset: rec.fileOffset,
      bytes: rec.data.slice(rec.offset, rec.offset + rec.capturedLength),
    });
  }

  /** For readCapture's beforePush: merges what it can, then makes a full queue wait. */
  beforePush(index: number): Promise<void> | undefined {
    this.drain();
    const q = this.queues[index]!;
    if (q.size < QUEUE_LIMIT && q.bytes < QUEUE_BYTES) return undefined;
    return new Promise((resolve) => {
      q.resume = resolve;
    });
  }

  finish(index: number): void {
    this.queues[index]!.done = true;
    this.drain();
  }

  /** Delivers records while the earliest one is known to be the earliest of all. */
  drain(): void {
    const queues = this.queues;
    for (;;) {
      let best = -1;
      let bestTime = Infinity;
      for (let i = 0; i < queues.length; i++) {
        const q = queues[i]!;
        const r = q.peek();
        if (r === undefined) {
          if (!q.done) return;
          continue;
        }
        if (r.time < bestTime) {
          bestTime = r.time;
          best = i;
        }
      }
      if (best < 0) return;
      const q = queues[best]!;
      const r = q.shift()!;
      const v = this.view;
      v.frameNumber = r.frameNumber;
      v.tsSeconds = r.tsSeconds;
      v.tsNanos = r.tsNanos;
      v.linkType = r.linkType;
      v.interfaceId = r.interfaceId;
      v.capturedLength = r.capturedLength;
      v.originalLength = r.originalLength;
      v.fileOffset = r.fileOffset;
      v.data = r.bytes;
      v.offset = 0;
      this.deliver(v, best);
      if (q.resume !== null && q.size < QUEUE_LIMIT / 2 && q.bytes < QUEUE_BYTES / 2) {
        const resume = q.resume;
        q.resume = null;
        resume();
      }
    }
  }
}
