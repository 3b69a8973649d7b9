import { KafkaReader } from './kafka-reader';

/**
 * Request header v1, the only one kafkajs 2.x sends: none of the versions this broker advertises is
 * "flexible", so there are no tagged fields to skip.
 */
export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
}

export function readRequestHeader(reader: KafkaReader): RequestHeader {
  const apiKey = reader.int16();
  const apiVersion = reader.int16();
  const correlationId = reader.int32();
  const clientId = reader.nullableString();
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Response header v0: just the correlation id, preceded by the INT32 size of everything after it. */
export function frameResponse(correlationId: number, body: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(8 + body.length);
  frame.writeInt32BE(4 + body.length, 0);
  frame.writeInt32BE(correlationId, 4);
  body.copy(frame, 8);
  return frame;
}
