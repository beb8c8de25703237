/**
 * A person's sessions, with host information, and revocation (SPEC ID-5, ID-8).
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

export const Session = Type.Object(
  {
    id: Id,
    /** `password` (API client), `bot` (long-lived token); a password session may also carry a web cookie. */
    kind: Type.Union([Type.Literal('password'), Type.Literal('bot'), Type.Literal('sso'), Type.Literal('oauth'), Type.Literal('guest')]),
    ip: Type.Optional(Type.String()),
    userAgent: Type.Optional(Type.String()),
    clientVersion: Type.Optional(Type.String()),
    created: Timestamp,
    lastSeen: Timestamp,
    expires: Type.Optional(Timestamp),
    /** True for the session the request was made with. */
    current: Type.Boolean(),
  },

);
export type Session = Static<typeof Session>;

export const listSessions = defineMethod({
  id: 'sessions.list',
  verb: 'GET',
  path: '/api/sessions',
  summary: 'One’s own active sessions, newest first.',
  tag: 'sessions',
  auth: 'person',
  response: Type.Object({ items: Type.Array(Session) }),
  status: 200,
});

export const revokeSession = defineMethod({
  id: 'sessions.revoke',
  verb: 'DELETE',
  path: '/api/sessions/:id',
  summary: 'Revoke one of one’s own sessions: its tokens stop working at once.',
  tag: 'sessions',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});
