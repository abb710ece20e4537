export { Database, type DatabaseOptions, type PoolStats, type Queryable, type QueryRows, type Row } from './database.js';
export { migrate, checksum, type MigrateResult } from './migrate.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export { pingPostgres, ensureDatabase, DATABASE_NAME } from './admin.js';
export { toStoreError, sqlState } from './errors.js';
