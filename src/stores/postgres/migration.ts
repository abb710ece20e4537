/**
 * One schema change. `version`s run in order, each once, each in its own transaction (so no
 * `CREATE INDEX CONCURRENTLY` here). A migration is never edited after release: its checksum is
 * recorded and a changed text stops start-up; add a new version instead.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}
