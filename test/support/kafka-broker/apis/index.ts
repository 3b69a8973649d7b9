import { ApiHandler } from './api-handler';
import { createApiVersionsHandler } from './api-versions';
import { createTopicsHandler } from './create-topics';
import { deleteGroupsHandler } from './delete-groups';
import { deleteTopicsHandler } from './delete-topics';
import { describeGroupsHandler } from './describe-groups';
import { fetchHandler } from './fetch';
import { findCoordinatorHandler } from './find-coordinator';
import { heartbeatHandler } from './heartbeat';
import { initProducerIdHandler } from './init-producer-id';
import { joinGroupHandler } from './join-group';
import { leaveGroupHandler } from './leave-group';
import { listGroupsHandler } from './list-groups';
import { listOffsetsHandler } from './list-offsets';
import { metadataHandler } from './metadata';
import { offsetCommitHandler } from './offset-commit';
import { offsetFetchHandler } from './offset-fetch';
import { produceHandler } from './produce';
import { syncGroupHandler } from './sync-group';

export type { ApiHandler, ConnectionInfo, RequestContext } from './api-handler';

/** Every API the broker answers, keyed by API key; ApiVersions advertises exactly this table. */
export function createApiHandlers(): ReadonlyMap<number, ApiHandler> {
  const handlers = new Map<number, ApiHandler>();
  const apiVersions = createApiVersionsHandler(() => [...handlers.values()]);
  for (const handler of [
    apiVersions,
    produceHandler,
    fetchHandler,
    listOffsetsHandler,
    metadataHandler,
    offsetCommitHandler,
    offsetFetchHandler,
    findCoordinatorHandler,
    joinGroupHandler,
    heartbeatHandler,
    leaveGroupHandler,
    syncGroupHandler,
    describeGroupsHandler,
    listGroupsHandler,
    createTopicsHandler,
    deleteTopicsHandler,
    initProducerIdHandler,
    deleteGroupsHandler,
  ]) {
    handlers.set(handler.apiKey, handler);
  }
  return handlers;
}
