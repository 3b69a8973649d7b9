/**
 * Every buffer and loop in the broker is bounded by one of these. Where Kafka has a broker setting for the
 * same thing, the value is Kafka's default, so clients meet the same limits as in production.
 */

/** Kafka's `socket.request.max.bytes`: a larger size prefix means a broken or hostile client. */
export const MAX_FRAME_BYTES = 100 * 1024 * 1024;

/** Frames read ahead of the one being processed before the socket is paused (Kafka mutes the channel). */
export const MAX_QUEUED_FRAMES_PER_CONNECTION = 32;

/** No request the broker understands carries more elements in one array; more means a corrupt frame. */
export const MAX_ARRAY_ELEMENTS = 1_000_000;

/** Kafka's `fetch.max.bytes`: the response cap whatever the client asks for. */
export const MAX_FETCH_RESPONSE_BYTES = 55 * 1024 * 1024;

/** A long-poll fetch never parks longer than this, whatever `max_wait_time` says. */
export const MAX_FETCH_WAIT_MS = 5 * 60 * 1000;

/** Kafka's `message.max.bytes` default: the largest record batch a produce may append. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * Stored bytes per partition. No test needs more; a runaway producer loop should get errors rather than
 * eat the machine's memory (the fixture has no retention to make room).
 */
export const MAX_PARTITION_LOG_BYTES = 256 * 1024 * 1024;

/** Kafka's `offset.metadata.max.bytes`. */
export const MAX_OFFSET_METADATA_BYTES = 4096;

/** Kafka's topic name rules (`Topic.validate`). */
export const MAX_TOPIC_NAME_LENGTH = 249;

/** Far above what a test needs, low enough that a typo cannot allocate millions of partition logs. */
export const MAX_PARTITIONS_PER_TOPIC = 10_000;

/** Kafka keeps the metadata of this many recent batches per producer and partition to spot retries. */
export const PRODUCER_BATCHES_RETAINED = 5;

/** Kafka's `group.min.session.timeout.ms` / `group.max.session.timeout.ms` defaults. */
export const DEFAULT_MIN_SESSION_TIMEOUT_MS = 6_000;
export const DEFAULT_MAX_SESSION_TIMEOUT_MS = 30 * 60 * 1000;

/** How often session, join and rebalance deadlines are checked. */
export const GROUP_TICK_MS = 50;

/** Record decoding for introspection: a batch claiming more records or headers than this is corrupt. */
export const MAX_RECORDS_PER_BATCH = 1_000_000;
export const MAX_HEADERS_PER_RECORD = 10_000;

/** gzip batches are inflated for introspection only; this caps a decompression bomb. */
export const MAX_DECOMPRESSED_BATCH_BYTES = 64 * 1024 * 1024;
