/**
 * Storage plumbing shared by the core and the KMS.
 * @module
 */
export { openDatabase, migrate, isUniqueViolation, type DatabaseConfig, type OpenedDatabase } from './open.ts';
export { openSqlite, preferredSqliteEngine, type Durability, type SqliteEngine } from './sqlite-driver.ts';
