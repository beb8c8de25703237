/**
 * The plaintext shapes a session answers: spaces, teams and messages as the core stores them, with
 * their sealed fields opened (or, when they do not open, left out and `decryptError` saying why).
 * @module
 */
import type { Message, Room, Team } from '@flint/protocol';
import type { FlintError } from '../errors.ts';
import type { Card } from '../secure/cards.ts';
import type { SharedLocation } from '../secure/location.ts';

/** A space with its title in plaintext; `decryptError` says why the title could not be opened. */
export type SecureRoom = Room & { decryptError?: FlintError };

/** A team with its name opened (undefined, with `decryptError`, when it does not open). */
export type SecureTeam = Omit<Team, 'name'> & { name: string | undefined; decryptError?: FlintError };

/**
 * A message with `text`, `markdown` and `html` in plaintext. When they could not be opened (key
 * refused, missing or wrong) they are absent and `decryptError` says why: one unreadable message
 * never hides the others.
 */
export type SecureMessage = Message & {
  decryptError?: FlintError;
  cards?: Card[];
  /** The place shared with the message (SPEC MS-6), opened from its card (secure/location.ts). */
  location?: SharedLocation;
};

/** The content fields a message may carry, in plaintext. */
export interface MessageContent {
  text?: string;
  markdown?: string;
  html?: string;
}

/** Someone to add or talk to, by id or e-mail address. */
export type PersonRef = { personId: string } | { personEmail: string };

export const CONTENT_FIELDS = ['text', 'markdown', 'html'] as const;
