/**
 * A seeded org for the compliance tests (issue 19): several people of acme.test, a group space with
 * a thread, an edit, a deletion, a file and a member who came and went, a direct space, and a space
 * of another org that must never appear. Carol is acme's officer-to-be (no role yet).
 * @module
 */
import { createHash } from 'node:crypto';
import type { FlintClient, Session } from '@flint/sdk';
import type { TestFlint } from '@flint/testkit';

export interface Seed {
  plain: Record<string, FlintClient>;
  secure: Record<string, Session>;
  orgId: string;
  boardId: string;
  boardTitle: string;
  directId: string;
  otherRoomId: string;
  orgRoomIds: string[];
  /** The text of every message that exists now (edited ones as edited). */
  liveMessages: string[];
  /** Every text a message was created with (the deleted and the edited one's first version too). */
  createdTexts: string[];
  editedText: string;
  deletedMessageId: string;
  keyword: string;
  keywordMessageId: string;
  file: { name: string; type: string; bytes: Uint8Array; sha256: string };
  startedAt: string;
}

/** Bytes that compress badly and are the same on every run. */
export function fileBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = 0x2545f491;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export async function seedOrg(flint: TestFlint, options: { fileSize?: number } = {}): Promise<Seed> {
  const startedAt = new Date().toISOString();
  const plain: Record<string, FlintClient> = {};
  const secure: Record<string, Session> = {};
  for (const [name, email] of [
    ['alice', 'alice@acme.test'],
    ['bob', 'bob@acme.test'],
    ['carol', 'carol@acme.test'],
    ['dave', 'dave@acme.test'],
    ['olga', 'olga@other.test'],
  ] as const) {
    plain[name] = await flint.signup({ email, displayName: `${name[0]!.toUpperCase()}${name.slice(1)} Tester` });
    // Dave only ever uses his token (the gateway): no SDK session of his own.
    if (name !== 'dave') secure[name] = await flint.connect(plain[name], { deviceId: `${name}-device` });
  }
  const alice = secure['alice']!;
  const bob = secure['bob']!;
  const boardTitle = 'Board of Directors zulu';
  const board = await alice.spaces.create({ title: boardTitle });
  await alice.members.add(board.id, { personEmail: 'bob@acme.test' });
  const first = await alice.messages.send({ roomId: board.id, text: 'the quarterly numbers alpha' });
  await bob.messages.send({ roomId: board.id, parentId: first.id, text: 'thread reply bravo' });
  const draft = await alice.messages.send({ roomId: board.id, text: 'draft charlie' });
  await alice.messages.edit(draft.id, { text: 'final version delta' });
  const oops = await bob.messages.send({ roomId: board.id, text: 'oops wrong space echo' });
  await bob.api.messages.delete(oops.id);
  const bytes = fileBytes(options.fileSize ?? 300_000);
  const file = { name: 'Q3 report foxtrot.pdf', type: 'application/pdf', bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  const withFile = await alice.messages.send({ roomId: board.id, text: 'see the attached kilo', files: [{ source: bytes, name: file.name, type: file.type }] });
  // Dave comes and goes (a membership over time; the key is rotated when he leaves).
  const daveMembership = await alice.members.add(board.id, { personEmail: 'dave@acme.test' });
  await alice.members.remove(daveMembership.id);
  const direct = await bob.spaces.direct({ personEmail: 'alice@acme.test' });
  await bob.messages.send({ roomId: direct.id, text: 'direct golf' });
  const other = await secure['olga']!.spaces.create({ title: 'Other org india' });
  await secure['olga']!.messages.send({ roomId: other.id, text: 'other org hotel' });
  const orgId = (await plain['alice']!.people.me()).orgId!;
  return {
    plain,
    secure,
    orgId,
    boardId: board.id,
    boardTitle,
    directId: direct.id,
    otherRoomId: other.id,
    orgRoomIds: [board.id, direct.id],
    liveMessages: ['the quarterly numbers alpha', 'thread reply bravo', 'final version delta', 'see the attached kilo', 'direct golf'],
    createdTexts: ['the quarterly numbers alpha', 'thread reply bravo', 'draft charlie', 'oops wrong space echo', 'see the attached kilo', 'direct golf'],
    editedText: 'final version delta',
    deletedMessageId: oops.id,
    keyword: 'kilo',
    keywordMessageId: withFile.id,
    file,
    startedAt,
  };
}
