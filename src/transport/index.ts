export { Transport, type TransportConfig, type PublishOptions } from './transport.js';
export { PullConsumer, type Credit, type Delivery, type PullOptions } from './pull.js';
export { endpoint, type Answer, type EndpointDef, type ServiceDef, type ServiceHandle } from './services.js';
export { ensureTopology, toStreamConfig, toConsumerConfig, type TopologyReport } from './topology.js';
export { Window } from './window.js';
export { CLAIM_HEADER, MSG_ID_HEADER } from './headers.js';
export type { StoredMessage } from './stored.js';
