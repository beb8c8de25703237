/**
 * Usage reports for an org's admins (SPEC ID-8, AD-2): daily figures computed from metadata only —
 * who sent how many messages, files and their (encrypted) bytes, spaces created — never content.
 * @module
 */
import { Type, type Static } from 'typebox';
import { defineMethod } from './method.ts';

/** The most days one report covers. */
export const REPORT_MAX_DAYS = 366;

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a UTC day, YYYY-MM-DD' });

export const UsageDay = Type.Object({
  day: Day,
  /** People of the org who sent at least one message that day. */
  activePeople: Type.Integer(),
  /** Messages sent by people of the org. */
  messages: Type.Integer(),
  /** Files shared by people of the org (previews not counted). */
  files: Type.Integer(),
  /** Their size as stored: ciphertext bytes. */
  fileBytes: Type.Integer(),
  spacesCreated: Type.Integer(),
});
export type UsageDay = Static<typeof UsageDay>;

export const UsageQuery = Type.Object(
  {
    /** First day (UTC), inclusive. */
    from: Day,
    /** Last day (UTC), inclusive; at most REPORT_MAX_DAYS after `from`. */
    to: Day,
  },
  { additionalProperties: false },
);

export const usageReport = defineMethod({
  id: 'reports.usage',
  verb: 'GET',
  path: '/api/admin/reports/usage',
  summary: 'Admin: daily usage of the org (metadata only), one row per day, days without activity included.',
  tag: 'admin',
  auth: 'admin',
  query: UsageQuery,
  response: Type.Object({ days: Type.Array(UsageDay) }),
  status: 200,
});

export const usageReportCsv = defineMethod({
  id: 'reports.usageCsv',
  verb: 'GET',
  path: '/api/admin/reports/usage.csv',
  summary: 'Admin: the same report as CSV (text/csv), to download.',
  tag: 'admin',
  auth: 'admin',
  query: UsageQuery,
  response: null,
  status: 200,
});
