/**
 * An org's e-mail domains, claimed by an admin and proved with a DNS TXT record (SPEC ID-2). A
 * verified domain lets its people sign up (by policy) and makes them members rather than guests.
 * The operator's `flint admin domain` can still mark a domain verified without DNS.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

export const OrgDomain = Type.Object({
  domain: Type.String(),
  verified: Type.Boolean(),
  created: Timestamp,
  /** Publish `flint-verification=<this>` as a TXT record at the domain, then ask to verify. */
  verificationToken: Type.Optional(Type.String()),
  /** The TXT record to publish, whole. */
  txtRecord: Type.Optional(Type.String()),
});
export type OrgDomain = Static<typeof OrgDomain>;

export const DomainParams = Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253 }) }, { additionalProperties: false });

export const listDomains = defineMethod({
  id: 'domains.list',
  verb: 'GET',
  path: '/api/admin/domains',
  summary: 'Admin: the org’s domains, verified or waiting for their DNS record.',
  tag: 'admin',
  auth: 'admin',
  response: Type.Object({ items: Type.Array(OrgDomain) }),
  status: 200,
});

export const addDomain = defineMethod({
  id: 'domains.add',
  verb: 'POST',
  path: '/api/admin/domains',
  summary: 'Admin: claim a domain; answers the TXT record that proves it.',
  tag: 'admin',
  auth: 'admin',
  body: Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253 }) }, { additionalProperties: false }),
  response: OrgDomain,
  status: 200,
});

export const verifyDomain = defineMethod({
  id: 'domains.verify',
  verb: 'POST',
  path: '/api/admin/domains/:domain/verify',
  summary: 'Admin: look up the domain’s TXT records now; verified when one is the token.',
  tag: 'admin',
  auth: 'admin',
  params: DomainParams,
  response: OrgDomain,
  status: 200,
});

export const removeDomain = defineMethod({
  id: 'domains.remove',
  verb: 'DELETE',
  path: '/api/admin/domains/:domain',
  summary: 'Admin: give up a domain (people keep their accounts).',
  tag: 'admin',
  auth: 'admin',
  params: DomainParams,
  response: null,
  status: 204,
});
