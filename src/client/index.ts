/** `docflow/client`: the typed client and the message types it shares with the server. */
export { DocflowClient, type ConnectOptions, type IngestSummary } from './client.js';
export type { DocProgress, IngestRunOptions, RunFigures, Terminal } from './ingest-run.js';
export type { IngestMessage, ResultMessage, StatusReplyMessage } from '../messages/index.js';
export type { SearchReplyMessage, SearchRequestMessage } from '../messages/pipeline.js';
export type {
  DocumentsReplyMessage, DocumentsRequestMessage, EntitiesReplyMessage, EntitiesRequestMessage,
  PathsReplyMessage, PathsRequestMessage, RelationsReplyMessage, RelationsRequestMessage,
} from '../messages/queries.js';
export { DocflowError } from '../errors/index.js';
