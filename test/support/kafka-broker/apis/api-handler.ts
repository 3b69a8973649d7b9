import { KafkaReader } from '../protocol/kafka-reader';
import { KafkaWriter } from '../protocol/kafka-writer';
import { RequestHeader } from '../protocol/request-header';
import { BrokerState } from '../state/broker-state';

export interface ConnectionInfo {
  readonly id: number;
  /** As Kafka reports it in DescribeGroups, e.g. "/127.0.0.1". */
  readonly clientHost: string;
  /** Aborted when the client socket closes, so parked requests can let go of their waiters. */
  readonly closed: AbortSignal;
}

export interface RequestContext {
  readonly header: RequestHeader;
  readonly body: KafkaReader;
  readonly connection: ConnectionInfo;
  readonly broker: BrokerState;
}

/**
 * One Kafka API. `handle` returns the response body (without the header), or null when the protocol
 * says there is no response (Produce with acks=0). It may take a while: Fetch, JoinGroup and SyncGroup
 * long-poll.
 */
export interface ApiHandler {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(context: RequestContext): Promise<KafkaWriter | null> | KafkaWriter | null;
}

/** Most responses gained a leading throttle_time_ms in some version; the broker never throttles. */
export function writeThrottleTime(writer: KafkaWriter, version: number, sinceVersion: number): void {
  if (version >= sinceVersion) {
    writer.int32(0);
  }
}
