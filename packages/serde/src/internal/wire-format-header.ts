// Confluent's wire format: magic byte 0, the schema id as a 4-byte big-endian int, the payload.

/** The first byte of every record in the Confluent wire format. */
export const MAGIC_BYTE = 0;
/** The magic byte and the 4-byte schema id before the payload. */
export const HEADER_LENGTH = 5;
