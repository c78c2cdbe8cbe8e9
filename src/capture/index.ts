export { CaptureRecord, type CaptureIssue } from './record.js';
export type { CaptureSink, CaptureSummary } from './context.js';
export { CaptureParser, type CaptureParserOptions } from './parser.js';
export { readCapture, readCaptureBuffer, CaptureOpenError, type ReadCaptureOptions, type ReadResult } from './read.js';
