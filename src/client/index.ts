/** `docflow/client`: the typed client and the message types it shares with the server. */
export { DocflowClient, type ConnectOptions, type IngestSummary } from './client.js';
export { isTerminal, type DocProgress, type IngestRunOptions, type RunFigures, type Terminal } from './ingest-run.js';
export type { IngestMessage, ResultMessage, StatusReplyMessage } from '../messages/index.js';
export type { SearchReplyMessage, SearchRequestMessage } from '../messages/pipeline.js';
export type {
  DocumentsReplyMessage, DocumentsRequestMessage, EntitiesReplyMessage, EntitiesRequestMessage,
  PathsReplyMessage, PathsRequestMessage, RelationsReplyMessage, RelationsRequestMessage,
} from '../messages/queries.js';
export { DocflowError } from '../errors/index.js';
