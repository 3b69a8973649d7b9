import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { ApiHandler, RequestContext, writeThrottleTime } from './api-handler';

/** DeleteTopics v0-v1: deletion is immediate, and takes the topic's committed offsets with it. */
export const deleteTopicsHandler: ApiHandler = {
  apiKey: ApiKey.DeleteTopics,
  minVersion: 0,
  maxVersion: 1,
  handle({ header, body, broker }: RequestContext): KafkaWriter {
    const names = body.array((r) => r.string());
    body.int32(); // timeout
    const writer = new KafkaWriter();
    writeThrottleTime(writer, header.apiVersion, 1);
    writer.array(names, (w, name) => {
      w.string(name).int16(broker.deleteTopic(name) ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    });
    return writer;
  },
};
