import { ApiKey } from '../protocol/api-keys';
import { ErrorCode, ErrorCodeValue } from '../protocol/error-codes';
import { KafkaReader } from '../protocol/kafka-reader';
import { KafkaWriter } from '../protocol/kafka-writer';
import { MAX_FETCH_RESPONSE_BYTES, MAX_FETCH_WAIT_MS } from '../protocol/limits';
import { BrokerState } from '../state/broker-state';
import { ApiHandler, RequestContext } from './api-handler';

interface PartitionFetch {
  readonly partition: number;
  readonly fetchOffset: number;
  readonly maxBytes: number;
}

interface FetchRequest {
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly readCommitted: boolean;
  readonly sessionId: number;
  readonly topics: readonly { readonly name: string; readonly partitions: readonly PartitionFetch[] }[];
}

interface PartitionData {
  readonly partition: number;
  readonly errorCode: ErrorCodeValue;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly batches: readonly Buffer[];
}

interface FetchResult {
  readonly topics: readonly { readonly name: string; readonly partitions: readonly PartitionData[] }[];
  readonly bytes: number;
  readonly hasError: boolean;
}

const READ_COMMITTED = 1;
const NO_SESSION = 0;

/**
 * Fetch v4-v11 with Kafka's long-poll: the request is parked until `min_bytes` of data are available
 * for it, a partition turns into an error, or `max_wait_time` passes, and the response is built from the
 * log at that moment. The connection processes nothing else meanwhile, as on a real broker.
 * Incremental fetch sessions (KIP-227) are declined by answering session id 0, which the protocol allows.
 */
export const fetchHandler: ApiHandler = {
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 11,
  async handle({ header, body, broker, connection }: RequestContext): Promise<KafkaWriter | null> {
    const version = header.apiVersion;
    const request = readRequest(body, version);
    if (request.sessionId !== NO_SESSION) {
      return encode(version, { topics: [], bytes: 0, hasError: true }, ErrorCode.FETCH_SESSION_ID_NOT_FOUND, request);
    }
    const first = evaluate(broker, request);
    if (request.maxWaitMs <= 0 || request.topics.length === 0 || first.hasError || first.bytes >= request.minBytes) {
      return encode(version, first, ErrorCode.NONE, request);
    }
    const result = await park(broker, request, connection.closed);
    return result === null ? null : encode(version, result, ErrorCode.NONE, request);
  },
};

function readRequest(body: KafkaReader, version: number): FetchRequest {
  body.int32(); // replica id: consumers send -1, and there are no followers
  const maxWaitMs = body.int32();
  const minBytes = body.int32();
  const maxBytes = body.int32();
  const readCommitted = body.int8() === READ_COMMITTED;
  let sessionId = NO_SESSION;
  if (version >= 7) {
    sessionId = body.int32();
    body.int32(); // session epoch
  }
  const topics = body.array((t) => ({
    name: t.string(),
    partitions: t.array((p): PartitionFetch => {
      const partition = p.int32();
      if (version >= 9) {
        p.int32(); // current leader epoch: leadership never changes here
      }
      const fetchOffset = p.int64AsNumber();
      if (version >= 5) {
        p.int64(); // the follower's log start offset
      }
      return { partition, fetchOffset, maxBytes: p.int32() };
    }),
  }));
  // Forgotten topics (v7+) and rack id (v11) only matter to fetch sessions and follower fetching.
  return { maxWaitMs, minBytes, maxBytes, readCommitted, sessionId, topics };
}

/** Reads what the request would get right now, with Kafka's byte limits. */
function evaluate(broker: BrokerState, request: FetchRequest): FetchResult {
  let remaining = Math.min(Math.max(request.maxBytes, 0), MAX_FETCH_RESPONSE_BYTES);
  let firstNonEmpty = true;
  let bytes = 0;
  let hasError = false;
  const topics = request.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((p): PartitionData => {
      const log = broker.topics.partition(topic.name, p.partition);
      if (!log) {
        hasError = true;
        return failed(p.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      }
      if (p.fetchOffset < log.logStartOffset || p.fetchOffset > log.highWatermark) {
        hasError = true;
        return failed(p.partition, ErrorCode.OFFSET_OUT_OF_RANGE);
      }
      const limit = Math.min(Math.max(p.maxBytes, 0), remaining);
      const batches = log.read(p.fetchOffset, limit, firstNonEmpty);
      const size = batches.reduce((sum, b) => sum + b.length, 0);
      if (size > 0) {
        firstNonEmpty = false;
        remaining = Math.max(remaining - size, 0);
        bytes += size;
      }
      return {
        partition: p.partition,
        errorCode: ErrorCode.NONE,
        highWatermark: log.highWatermark,
        logStartOffset: log.logStartOffset,
        batches,
      };
    }),
  }));
  return { topics, bytes, hasError };
}

function failed(partition: number, errorCode: ErrorCodeValue): PartitionData {
  return { partition, errorCode, highWatermark: -1, logStartOffset: -1, batches: [] };
}

/** Resolves with the result once satisfied or timed out, or null if the client went away first. */
function park(broker: BrokerState, request: FetchRequest, closed: AbortSignal): Promise<FetchResult | null> {
  const wanted = new Set(request.topics.flatMap((t) => t.partitions.map((p) => `${p.partition}:${t.name}`)));
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: FetchResult | null): void => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      closed.removeEventListener('abort', onClose);
      resolve(result);
    };
    const onClose = (): void => settle(null);
    const unsubscribe = broker.topics.onChange((topic, partition) => {
      if (!wanted.has(`${partition}:${topic}`)) {
        return;
      }
      const result = evaluate(broker, request);
      if (result.hasError || result.bytes >= request.minBytes) {
        settle(result);
      }
    });
    const timer = setTimeout(() => settle(evaluate(broker, request)), Math.min(request.maxWaitMs, MAX_FETCH_WAIT_MS));
    if (closed.aborted) {
      settle(null);
    } else {
      closed.addEventListener('abort', onClose, { once: true });
    }
  });
}

function encode(version: number, result: FetchResult, errorCode: ErrorCodeValue, request: FetchRequest): KafkaWriter {
  const writer = new KafkaWriter().int32(0);
  if (version >= 7) {
    writer.int16(errorCode).int32(NO_SESSION);
  }
  writer.array(result.topics, (w, topic) => {
    w.string(topic.name).array(topic.partitions, (pw, p) => {
      // No transactions, so the last stable offset is the high watermark and nothing is ever aborted.
      pw.int32(p.partition).int16(p.errorCode).int64(p.highWatermark).int64(p.highWatermark);
      if (version >= 5) {
        pw.int64(p.logStartOffset);
      }
      pw.nullableArray(request.readCommitted ? [] : null, () => undefined);
      if (version >= 11) {
        pw.int32(-1); // preferred read replica: none, read from the leader
      }
      pw.int32(p.batches.reduce((sum, b) => sum + b.length, 0));
      p.batches.forEach((b) => pw.raw(b));
    });
  });
  return writer;
}
