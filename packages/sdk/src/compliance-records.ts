/**
 * The records of an eDiscovery export (SPEC CP-2), one shape for JSON and CSV, shared by every
 * exporter (the admin console's Compliance page, `flint compliance export`) so that both write the
 * same files: `spaces`, `memberships`, `messages` (as they are now), `events` (every version: created,
 * edited, deleted; memberships over time; rooms) and `files` (where each file's original bytes are
 * in the zip). Pure functions of what `session.compliance` answers (content already opened).
 * @module
 */
import type { Membership } from '@flint/protocol';
import type { ComplianceFile, ComplianceSpace, OpenedComplianceEvent } from './session/compliance.ts';
import type { SecureMessage } from './session/types.ts';

export type ExportSection = 'spaces' | 'memberships' | 'messages' | 'events' | 'files';
export const EXPORT_SECTIONS: readonly ExportSection[] = ['spaces', 'memberships', 'messages', 'events', 'files'];

/** A file name safe inside a zip: no separators or control characters, never empty. */
export function safeFileName(name: string): string {
  const cleaned = [...name]
    .map((c) => (c === '/' || c === '\\' || c.charCodeAt(0) < 0x20 ? '_' : c))
    .join('')
    .replace(/^\.+/, '_')
    .slice(0, 200);
  return cleaned === '' ? 'file' : cleaned;
}

export function spaceRecord(s: ComplianceSpace) {
  return { id: s.id, type: s.type, title: s.title ?? null, teamId: s.teamId ?? null, creatorId: s.creatorId, created: s.created, lastActivity: s.lastActivity, memberIds: s.memberIds, ...(s.decryptError !== undefined ? { decryptError: s.decryptError.message } : {}) };
}

export function membershipRecord(m: Membership) {
  return { id: m.id, roomId: m.roomId, personId: m.personId, personEmail: m.personEmail, personDisplayName: m.personDisplayName, isModerator: m.isModerator, created: m.created };
}

/** A file's entry; `path` is where its original bytes are in the zip (`files/<id>/<name>`). */
export function fileRecord(f: ComplianceFile) {
  const name = f.reference !== undefined ? safeFileName(f.reference.name) : 'unreadable';
  return { fileId: f.entry.id, messageId: f.entry.messageId, roomId: f.entry.roomId, personId: f.entry.personId, created: f.entry.created, name: f.reference?.name ?? null, type: f.reference?.type ?? null, size: f.reference?.size ?? null, path: `files/${f.entry.id}/${name}`, ...(f.error !== undefined ? { error: f.error.message } : {}) };
}

export function messageRecord(m: SecureMessage) {
  return {
    id: m.id,
    roomId: m.roomId,
    parentId: m.parentId ?? null,
    personId: m.personId,
    personEmail: m.personEmail,
    created: m.created,
    updated: m.updated ?? null,
    text: m.text ?? null,
    markdown: m.markdown ?? null,
    html: m.html ?? null,
    fileIds: (m.files ?? []).map((f) => f.blobId),
    ...(m.decryptError !== undefined ? { decryptError: m.decryptError.message } : {}),
  };
}

export function eventRecord(e: OpenedComplianceEvent) {
  const d = e.data;
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k]) : null);
  return {
    id: e.id,
    resource: e.resource,
    type: e.type,
    actorId: e.actorId ?? null,
    roomId: e.roomId,
    created: e.created,
    // What a reviewer reads first; `data` holds the whole item.
    messageId: e.resource === 'messages' ? str('id') : null,
    personEmail: str('personEmail'),
    text: str('text'),
    title: str('title'),
    data: d,
    ...(e.decryptError !== undefined ? { decryptError: e.decryptError.message } : {}),
  };
}

/** The CSV columns of each section (arrays and objects go in their cell as JSON). */
export const CSV_COLUMNS: Readonly<Record<ExportSection, readonly string[]>> = {
  spaces: ['id', 'type', 'title', 'teamId', 'creatorId', 'created', 'lastActivity', 'memberIds', 'decryptError'],
  memberships: ['id', 'roomId', 'personId', 'personEmail', 'personDisplayName', 'isModerator', 'created'],
  messages: ['id', 'roomId', 'parentId', 'personId', 'personEmail', 'created', 'updated', 'text', 'markdown', 'html', 'fileIds', 'decryptError'],
  events: ['id', 'resource', 'type', 'actorId', 'roomId', 'created', 'messageId', 'personEmail', 'text', 'title', 'data', 'decryptError'],
  files: ['fileId', 'messageId', 'roomId', 'personId', 'created', 'name', 'type', 'size', 'path', 'error'],
};
