/**
 * Row ids: UUIDv7, so ids sort by creation time and B-tree inserts stay at the right edge.
 * @module
 */
import { v7 } from 'uuid';

export function newId(): string {
  return v7();
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
