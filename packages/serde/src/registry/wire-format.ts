// Confluent's wire format: magic byte 0, the schema id as a 4-byte big-endian int, the payload.
import { TruncatedPayloadError, WrongMagicByteError } from '../errors.js';
import { contextOf, whereSuffix } from '../internal/where.js';
import type { SerdeLabel } from '../internal/where.js';
import { HEADER_LENGTH, MAGIC_BYTE } from '../internal/wire-format-header.js';

/**
 * The schema id of a record in the wire format, an unsigned 32-bit integer, after checking its
 * magic byte and length: a {@link WrongMagicByteError} or a {@link TruncatedPayloadError} otherwise.
 *
 * @internal
 */
export function readSchemaId(data: Buffer, label: SerdeLabel, topic: string): number {
  if (data.length > 0 && data[0] !== MAGIC_BYTE) {
    const context = contextOf(label, topic);
    const byte = data[0]!;
    throw new WrongMagicByteError(
      `${label.serde}: wrong magic byte 0x${byte.toString(16).padStart(2, '0')} at offset 0, expected 0x00 (Confluent wire format: magic byte, 4-byte schema id, payload); the record was not written by a schema-registry serializer ${whereSuffix(context)}`,
      context,
      byte,
    );
  }
  if (data.length < HEADER_LENGTH) {
    const context = contextOf(label, topic);
    throw new TruncatedPayloadError(
      `${label.serde}: truncated payload, ${data.length} byte${data.length === 1 ? '' : 's'} where the Confluent wire format needs at least ${HEADER_LENGTH} (magic byte and 4-byte schema id) ${whereSuffix(context)}`,
      context,
      data.length,
    );
  }
  // Big-endian by hand: cheaper than readUInt32BE's bounds checks, already done above. `>>> 0`
  // reads the id as unsigned, 0 to 0xFFFFFFFF: `<<` alone gives a signed int32, and 0xFFFFFFFF
  // read as -1 met the schema cache's "no id yet" sentinel (a TypeError instead of an unknown id).
  return ((data[1]! << 24) | (data[2]! << 16) | (data[3]! << 8) | data[4]!) >>> 0;
}

/**
 * Writes the wire-format header (magic byte 0, then `schemaId` as an unsigned 32-bit big-endian
 * integer) at the start of `out`.
 *
 * @internal
 */
export function writeHeader(out: Buffer, schemaId: number): void {
  out[0] = MAGIC_BYTE;
  out.writeUInt32BE(schemaId, 1);
}
