import { ApiKey } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { KafkaWriter } from '../protocol/kafka-writer';
import { ApiHandler, RequestContext } from './api-handler';

const MAX_VERSION = 2;

/**
 * ApiVersions v0-v2. A client asking with a newer version gets what Kafka sends then: a v0-shaped
 * response with UNSUPPORTED_VERSION and the supported ranges, so it can retry with a version we know.
 */
export function createApiVersionsHandler(supported: () => readonly ApiHandler[]): ApiHandler {
  return {
    apiKey: ApiKey.ApiVersions,
    minVersion: 0,
    maxVersion: MAX_VERSION,
    handle({ header }: RequestContext): KafkaWriter {
      const version = header.apiVersion;
      const apis = [...supported()].sort((a, b) => a.apiKey - b.apiKey);
      const writer = new KafkaWriter()
        .int16(version > MAX_VERSION ? ErrorCode.UNSUPPORTED_VERSION : ErrorCode.NONE)
        .array(apis, (w, api) => w.int16(api.apiKey).int16(api.minVersion).int16(api.maxVersion));
      if (version >= 1 && version <= MAX_VERSION) {
        writer.int32(0);
      }
      return writer;
    },
  };
}
