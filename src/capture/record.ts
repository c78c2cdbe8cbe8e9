/**
 * One record of a capture file, as the readers hand it to their consumer.
 *
 * The reader owns this object and the bytes it points at: both are overwritten by the next
 * record. A consumer that needs anything beyond the callback copies it (numbers are free,
 * bytes need `data.slice(offset, offset + capturedLength)`).
 */
export class CaptureRecord {
  /** 1-based, counted over every record of the stream (all pcapng sections), as Wireshark numbers frames. */
  frameNumber = 0;
  /** Whole seconds since the Unix epoch. */
  tsSeconds = 0;
  /** Nanoseconds within the second (0..999,999,999), whatever the file's own resolution. */
  tsNanos = 0;
  /** LINKTYPE_* of the interface that captured the frame (pcapng: per interface). */
  linkType = 0;
  /** pcapng interface id within its section; 0 for classic pcap. */
  interfaceId = 0;
  /** Bytes present in the file for this frame. */
  capturedLength = 0;
  /** Length of the frame on the wire. */
  originalLength = 0;
  /** Buffer that holds the frame bytes at [offset, offset + capturedLength). */
  data: Uint8Array = new Uint8Array(0);
  offset = 0;
  /** Byte offset of the record (its header) in the decompressed capture stream. */
  fileOffset = 0;
}

/** A problem found while reading: `fatal` ones end the read, after every good record before them. */
export interface CaptureIssue {
  /** Stable snake_case id, e.g. `truncated_record`, `bad_caplen`, `not_a_capture`. */
  code: string;
  /** Byte offset in the (decompressed) stream where the problem is. */
  offset: number;
  /** One line, no file name (the caller prefixes it): what is wrong, with found and allowed values. */
  message: string;
  fatal: boolean;
}
