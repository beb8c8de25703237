/**
 * Storage plumbing shared by the core and the KMS.
 * @module
 */
export { openDatabase, migrate, isUniqueViolation, type DatabaseConfig, type OpenedDatabase } from './open.ts';
export { preparedQuery } from './prepared.ts';
export { openSqlite, preferredSqliteEngine, type Durability, type SqliteEngine } from './sqlite-driver.ts';
