/** The API keys this broker answers. Anything else makes it close the connection, as Kafka does. */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  InitProducerId: 22,
  DeleteGroups: 42,
} as const;

export type ApiName = keyof typeof ApiKey;
export type ApiKeyValue = (typeof ApiKey)[ApiName];

export function apiName(apiKey: number): string {
  const entry = Object.entries(ApiKey).find(([, key]) => key === apiKey);
  return entry ? entry[0] : `api-key-${apiKey}`;
}
