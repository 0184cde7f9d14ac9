import type { Headers } from '@rivulet/serde';

/** Record overhead beyond key and value bytes in a v2 record batch (length, attributes, deltas, header count), rounded up. */
export const RECORD_OVERHEAD_BYTES = 32;

/** The fixed header of a v2 record batch (base offset, length, epoch, magic, crc, ... record count). */
export const RECORD_BATCH_OVERHEAD_BYTES = 61;

/** Bytes the headers of a record take in a record batch, about. */
export function headerBytes(headers: Headers | undefined): number {
  let bytes = 0;
  for (const name in headers) {
    const value = headers[name];
    bytes += name.length + RECORD_OVERHEAD_BYTES;
    for (const v of Array.isArray(value) ? value : [value]) bytes += v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;
  }
  return bytes;
}

/** The size of one record in a record batch, about: what the broker compares with `max.message.bytes` (plus the batch header). */
export function recordBytes(key: Buffer | null, value: Buffer | null, headers: Headers | undefined): number {
  return (key?.length ?? 0) + (value?.length ?? 0) + RECORD_OVERHEAD_BYTES + (headers === undefined ? 0 : headerBytes(headers));
}
