/**
 * What a person does, in plaintext here and sealed by the SDK before it leaves the tab (SPEC SEC-1):
 * spaces and teams, messages (with their blinded search tokens, SR-2), files, members.
 * @module
 */
import { logEvent } from './client-log.ts';
import { FlintError, type FileReference, type Page, type SecureRoom, type SendFile } from '@flint/sdk';
import type { Message } from '@flint/protocol';
import { encryptedFileSize } from '@flint/crypto';
import { createBrowserPreviewMaker } from '@flint/sdk/previews/browser';
// pdf.js renders PDF previews in a worker, served as a file of this build (the CSP allows workers from 'self').
import pdfWorkerSrc from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import { encodeMentions, plainText } from '../markdown/mentions.ts';
import type { Store } from './store.ts';
import { TRANSFER_ATTEMPTS, UPLOAD_SEGMENT_BYTES, uploadFetch, type TransferProgress } from './transfers.ts';

export async function createSpace(store: Store, title: string, teamId?: string): Promise<SecureRoom> {
  // A team's space authorizes the team's KMS resource (SPEC SP-3): whoever joins the team, now or
  // later, may open it and join it; whoever leaves the team loses it.
  const room = await store.session.sdk.spaces.create({ title, ...(teamId !== undefined ? { teamId } : {}) });
  store.rooms.set(room.id, { ...room, unreadCount: 0, mentionCount: 0, isFavorite: false });
  store.changed();
  return room;
}

export async function openDirect(store: Store, email: string): Promise<SecureRoom> {
  const room = await store.session.sdk.spaces.direct({ personEmail: email });
  store.rooms.set(room.id, { ...store.rooms.get(room.id), ...room });
  await store.ensurePeople(room.directPersonId !== undefined ? [room.directPersonId] : []);
  store.changed();
  return room;
}

/** A team and its general space, sealed with one new key whose resource is the team's. */
export async function createTeam(store: Store, name: string): Promise<string> {
  const { name: _opened, ...team } = await store.session.sdk.teams.create({ name });
  // The team's name as the core holds it (sealed) arrives with the team.created event.
  store.teams.set(team.id, { team: { ...team, name: '' }, name });
  store.refreshRoom(team.generalRoomId);
  return team.generalRoomId;
}

/**
 * Adds someone to a space by e-mail. Someone in my directory (my org's people) is added at once:
 * their KMS authorization, then the membership. Anyone else — no account, another org's account, a
 * deactivated one — is invited (issue 14): the core answers alike for all of them, so this tab
 * cannot tell which and says "Invitation sent" for each. An invitee accepts in their app (or by
 * signing up with the e-mailed link), and then my device authorizes and admits them (SDK).
 */
export async function addOrInvite(store: Store, roomId: string, email: string): Promise<'added' | 'invited'> {
  try {
    await store.session.sdk.members.add(roomId, { personEmail: email });
    return 'added';
  } catch (error) {
    // No such person: the SDK says so before asking the KMS (`not_found`); the server's own 404 means the same.
    if (!(error instanceof FlintError && (error.code === 'not_found' || (error.kind === 'refused' && error.status === 404)))) throw error;
  }
  await store.session.sdk.invitations.send(roomId, email);
  return 'invited';
}

/** Withdraws a space's invitation. */
export async function withdrawInvitation(store: Store, roomId: string, id: string): Promise<void> {
  await store.session.sdk.invitations.revoke(id);
  await store.loadMembers(roomId);
}

/** Accepts an invitation into a space; the space arrives once a member's device has admitted me. */
export async function acceptInvitation(store: Store, id: string): Promise<void> {
  const accepted = await store.session.sdk.invitations.accept(id);
  store.invitations = store.invitations.map((i) => (i.id === id ? accepted : i));
  store.changed();
}

/** Declines an invitation: it is gone, and grants nothing. */
export async function declineInvitation(store: Store, id: string): Promise<void> {
  await store.session.sdk.invitations.decline(id);
  store.invitations = store.invitations.filter((i) => i.id !== id);
  store.changed();
}

/** Adds someone to a team: their KMS authorization on the team's resource first, then the membership. */
export async function addTeamMember(store: Store, teamId: string, email: string): Promise<void> {
  await store.session.sdk.teams.addMember(teamId, { personEmail: email });
}

/** Joins a space of one's team (SPEC SP-3); the team's KMS resource already lets one read it. */
export async function joinSpace(store: Store, roomId: string): Promise<SecureRoom> {
  const room = await store.session.sdk.spaces.join(roomId);
  store.rooms.set(room.id, room);
  store.changed();
  return room;
}

/** The spaces of a team, joined or not, titles opened. */
export async function teamSpaces(store: Store, teamId: string): Promise<SecureRoom[]> {
  const out: SecureRoom[] = [];
  let page: Page<SecureRoom> | undefined = await store.session.sdk.spaces.list({ teamId, max: 1000 });
  while (page !== undefined) {
    out.push(...page.items);
    page = await store.session.sdk.spaces.next(page);
  }
  return out;
}

export interface Draft {
  text: string;
  mentions: ReadonlyMap<string, string>;
}

/** Posts a message: Markdown with mentions, its plain text for other clients, and search tokens. */
export async function sendMessage(store: Store, roomId: string, draft: Draft, parentId?: string): Promise<void> {
  const { markdown, ids, all } = encodeMentions(draft.text, draft.mentions);
  await store.session.sdk.messages.send({
    roomId,
    text: plainText(markdown),
    markdown,
    ...(parentId !== undefined ? { parentId } : {}),
    ...(ids.length > 0 ? { mentionedPeople: ids } : {}),
    ...(all ? { mentionedGroups: ['all' as const] } : {}),
  });
  // A count and flags, never the text (client-log.ts).
  logEvent('message.sent', { chars: markdown.length, reply: parentId !== undefined, mentions: ids.length });
}

export async function editMessage(store: Store, message: Message, draft: Draft): Promise<void> {
  const { markdown } = encodeMentions(draft.text, draft.mentions);
  const updated = await store.session.sdk.messages.edit(message.id, { roomId: message.roomId, text: plainText(markdown), markdown });
  store.messages.set(updated.id, { ...store.messages.get(updated.id), ...updated });
  store.changed();
  logEvent('message.edited', { chars: markdown.length });
}

export async function deleteMessage(store: Store, message: Message): Promise<void> {
  await store.session.sdk.messages.delete(message.id);
  logEvent('message.deleted');
}

/** The SDK's browser thumbnailer (SPEC FL-2): images by canvas, a PDF's first page by pdf.js (loaded on first use). */
const previewMaker = createBrowserPreviewMaker({ pdfWorkerSrc });

export type UploadProgress = TransferProgress;

/**
 * Encrypts and uploads files with their thumbnails, then posts them as one message (SPEC FL-1,
 * FL-2). The SDK reads each file slice by slice and encrypts it in chunks; the ciphertext goes up
 * in 8 MiB requests, resumed after a dropped connection (see transfers.ts). `signal` cancels.
 */
/**
 * Shares files in one message, with an optional caption (the text typed beside them before Send):
 * the caption is the message's text, mentions included, sealed with it.
 */
export async function shareFiles(store: Store, roomId: string, files: readonly File[], onProgress: (p: UploadProgress | undefined) => void, caption?: Draft, signal?: AbortSignal): Promise<void> {
  await store.session.freshToken();
  const sends: SendFile[] = files.map((file) => {
    // Bytes the core acknowledged, plus what the request under way has sent.
    let acknowledged = 0;
    return {
      source: file,
      name: file.name,
      type: file.type === '' ? 'application/octet-stream' : file.type,
      // The preview is made here, encrypted under its own key and uploaded beside the file.
      previewMaker,
      segmentBytes: UPLOAD_SEGMENT_BYTES,
      attempts: TRANSFER_ATTEMPTS,
      ...(signal !== undefined ? { signal } : {}),
      onProgress: (sent, total) => {
        acknowledged = sent;
        onProgress({ name: file.name, loaded: sent, total });
      },
      fetch: uploadFetch(store, (loaded) => onProgress({ name: file.name, loaded: acknowledged + loaded, total: encryptedFileSize(file.size) })),
    };
  });
  // Shown at once: the browser reports upload progress at most every 50 ms, so a quick file would show none.
  if (files[0] !== undefined) onProgress({ name: files[0].name, loaded: 0, total: encryptedFileSize(files[0].size) });
  try {
    // One message for all of them; their names are searchable like text (SPEC SR-1), blinded by the SDK.
    const text = caption !== undefined && caption.text.trim() !== '' ? encodeMentions(caption.text.trim(), caption.mentions) : undefined;
    await store.session.sdk.messages.send({
      roomId,
      files: sends,
      ...(text !== undefined ? { text: plainText(text.markdown), markdown: text.markdown } : {}),
      ...(text !== undefined && text.ids.length > 0 ? { mentionedPeople: text.ids } : {}),
      ...(text?.all === true ? { mentionedGroups: ['all' as const] } : {}),
    });
    logEvent('file.shared', { files: files.length, bytes: files.reduce((n, f) => n + f.size, 0) });
  } finally {
    onProgress(undefined);
  }
}

/** Downloads, decrypts and verifies a file, and hands it to the browser to save (or answers its URL). */
export async function fetchFile(store: Store, reference: FileReference): Promise<Blob> {
  await store.session.freshToken();
  const download = await store.session.sdk.files.download(reference);
  const blob = await new Response(download.stream).blob();
  // Only a file whose every chunk, length and hash checked out is shown or saved.
  await download.verified;
  return new Blob([blob], { type: reference.type });
}

/** The file's encrypted thumbnail (SPEC FL-2), decrypted and verified, if its sender made one. */
export async function fetchPreview(store: Store, reference: FileReference): Promise<Blob | undefined> {
  await store.session.freshToken();
  const preview = await store.session.sdk.files.preview(reference);
  return preview === undefined ? undefined : new Blob([preview.data as Uint8Array<ArrayBuffer>], { type: preview.type });
}

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
