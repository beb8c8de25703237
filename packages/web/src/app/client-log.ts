/**
 * The app's technical log for problem reports (SPEC AD-5): the last entries, in memory only, sent
 * to the org's admins only when the person ticks "include technical logs". It never holds message
 * text, space titles, file names or other content: events are a closed list, and fields are
 * numbers, booleans and short codes that `code()` checks (anything else becomes "other"). Ids are
 * not logged either, so a log cannot point at a space. tests/e2e/web-app-own-data.test.ts sends
 * content with unique markers and checks no report's log holds any.
 * @module
 */
import type { ClientLogEntry } from '@flint/protocol';
import { FEEDBACK_LIMITS } from '@flint/protocol';
import { FlintError } from '@flint/sdk';

export type LogEvent =
  | 'app.start'
  | 'session.open'
  | 'stream.state'
  | 'route'
  | 'error'
  | 'message.sent'
  | 'message.edited'
  | 'message.deleted'
  | 'location.shared'
  | 'file.shared'
  | 'file.fetched'
  | 'space.created'
  | 'export.done'
  | 'feedback.opened';

/** A machine code: letters, digits and `_.:-`, at most 40 characters. */
declare const codeBrand: unique symbol;
export type Code = string & { readonly [codeBrand]: true };
export function code(value: string): Code {
  return (/^[A-Za-z0-9_.:-]{1,40}$/.test(value) ? value : 'other') as Code;
}

type Field = number | boolean | Code;

const buffer: ClientLogEntry[] = [];

export function logEvent(event: LogEvent, data: Record<string, Field> = {}, level: ClientLogEntry['level'] = 'info'): void {
  const entry: ClientLogEntry = { t: new Date().toISOString(), level, event };
  if (Object.keys(data).length > 0) entry.data = { ...data };
  buffer.push(entry);
  if (buffer.length > FEEDBACK_LIMITS.logEntries) buffer.splice(0, buffer.length - FEEDBACK_LIMITS.logEntries);
}

/** An error as codes only: its kind, status and the server's error code, never its message. */
export function logError(error: unknown): void {
  if (error instanceof FlintError) logEvent('error', { kind: code(error.kind), status: error.status, code: code(error.code) }, 'error');
  else logEvent('error', { kind: code(error instanceof Error ? error.name : typeof error) }, 'error');
}

/** A copy of the buffer, oldest first, for a report. */
export function clientLog(): ClientLogEntry[] {
  return buffer.map((e) => ({ ...e, ...(e.data !== undefined ? { data: { ...e.data } } : {}) }));
}
