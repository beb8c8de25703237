/**
 * What an org admin does to a person beyond the Webex people calls (SPEC ID-5, ID-7, ID-8): reset
 * their password, see and end their sessions. Every call is audited (CP-5).
 * @module
 */
import { Type } from 'typebox';
import { IdParams } from './common.ts';
import { defineMethod } from './method.ts';
import { Session } from './sessions.ts';

export const resetPassword = defineMethod({
  id: 'people.resetPassword',
  verb: 'POST',
  path: '/api/people/:id/password-reset',
  summary: 'Admin: give a person a new generated password (shown once) and end all their sessions.',
  tag: 'admin',
  auth: 'admin',
  params: IdParams,
  response: Type.Object({ password: Type.String() }),
  status: 200,
});

export const listPersonSessions = defineMethod({
  id: 'people.sessions.list',
  verb: 'GET',
  path: '/api/people/:id/sessions',
  summary: 'Admin: a person’s active sessions with host information (address, user agent, client).',
  tag: 'admin',
  auth: 'admin',
  params: IdParams,
  response: Type.Object({ items: Type.Array(Session) }),
  status: 200,
});

export const endPersonSessions = defineMethod({
  id: 'people.sessions.end',
  verb: 'DELETE',
  path: '/api/people/:id/sessions',
  summary: 'Admin: end every session of a person (they must sign in again).',
  tag: 'admin',
  auth: 'admin',
  params: IdParams,
  response: null,
  status: 204,
});
