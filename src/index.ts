/** The package's main entry: the typed client (also `docflow/client`) and the wire codec (`docflow/codec`). */
export * from './client/index.js';
