/**
 * Problem reports (SPEC AD-5): a person sends a description, optionally a screenshot and, if they
 * opt in, the app's client log; the org's admins list and download them. The client log is a
 * closed vocabulary of events with numbers and codes only: it never holds message text, space
 * titles or file names (the web app's buffer cannot take free text, and a browser test checks it).
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

export const FEEDBACK_LIMITS = {
  /** Characters of the person's description. */
  descriptionChars: 4000,
  /** Client log entries sent with one report (the app keeps the last ones). */
  logEntries: 500,
  /** A screenshot's bytes (PNG, JPEG or WebP), before base64. */
  screenshotBytes: 2 * 1024 * 1024,
  /** The request body: a base64 screenshot, the log and the description, with room. */
  bodyBytes: 3 * 1024 * 1024 + 512 * 1024,
  /** Reports one person may send per hour (a 429 after). */
  perPersonPerHour: 5,
  /** Reports listed per page in the console. */
  pageMax: 100,
} as const;

/** A log field: numbers, booleans and short machine codes (`[a-z0-9_.:-]`), never text. */
const LogValue = Type.Union([Type.Number(), Type.Boolean(), Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9_.:/-]*$' })]);

export const ClientLogEntry = Type.Object(
  {
    /** When, as the client's clock says. */
    t: Timestamp,
    level: Type.Union([Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')]),
    /** What happened, a code such as `stream.state` or `message.sent`. */
    event: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-zA-Z0-9_.-]*$' }),
    data: Type.Optional(Type.Record(Type.String({ maxLength: 32, pattern: '^[A-Za-z][A-Za-z0-9_]*$' }), LogValue, { maxProperties: 12 })),
  },
  { additionalProperties: false },
);
export type ClientLogEntry = Static<typeof ClientLogEntry>;

export const SCREENSHOT_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;

export const SendFeedbackBody = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: FEEDBACK_LIMITS.descriptionChars })),
    screenshot: Type.Optional(
      Type.Object(
        {
          contentType: Type.Union([Type.Literal('image/png'), Type.Literal('image/jpeg'), Type.Literal('image/webp')]),
          /** Base64 of the image. */
          data: Type.String({ minLength: 1, maxLength: Math.ceil(FEEDBACK_LIMITS.screenshotBytes / 3) * 4, pattern: '^[A-Za-z0-9+/]+={0,2}$' }),
        },
        { additionalProperties: false },
      ),
    ),
    /** Sent only when the person ticks "include technical logs". */
    logs: Type.Optional(Type.Array(ClientLogEntry, { maxItems: FEEDBACK_LIMITS.logEntries })),
    clientVersion: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type SendFeedbackBody = Static<typeof SendFeedbackBody>;

export const FeedbackSummary = Type.Object({
  id: Id,
  personId: Id,
  personName: Type.String(),
  personEmail: Type.String(),
  created: Timestamp,
  description: Type.Optional(Type.String()),
  hasScreenshot: Type.Boolean(),
  logEntries: Type.Integer(),
  userAgent: Type.Optional(Type.String()),
  clientVersion: Type.Optional(Type.String()),
});
export type FeedbackSummary = Static<typeof FeedbackSummary>;

export const FeedbackReport = Type.Intersect([
  FeedbackSummary,
  Type.Object({ logs: Type.Array(ClientLogEntry), screenshotType: Type.Optional(Type.String()) }),
]);
export type FeedbackReport = Static<typeof FeedbackReport>;

export const sendFeedback = defineMethod({
  id: 'feedback.send',
  verb: 'POST',
  path: '/api/feedback',
  summary: 'Send a problem report to the org’s admins: a description, an optional screenshot, opt-in client logs.',
  tag: 'feedback',
  auth: 'person',
  body: SendFeedbackBody,
  response: Type.Object({ id: Id, created: Timestamp }),
  status: 200,
});

export const listFeedback = defineMethod({
  id: 'feedback.list',
  verb: 'GET',
  path: '/api/admin/feedback',
  summary: 'Admin: the org’s problem reports, newest first.',
  tag: 'admin',
  auth: 'admin',
  query: Type.Object(
    { max: Type.Optional(Type.Integer({ minimum: 1, maximum: FEEDBACK_LIMITS.pageMax })), offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })) },
    { additionalProperties: false },
  ),
  response: Type.Object({ items: Type.Array(FeedbackSummary) }),
  status: 200,
});

export const getFeedback = defineMethod({
  id: 'feedback.get',
  verb: 'GET',
  path: '/api/admin/feedback/:id',
  summary: 'Admin: one problem report with its client log.',
  tag: 'admin',
  auth: 'admin',
  params: IdParams,
  response: FeedbackReport,
  status: 200,
});

export const getFeedbackScreenshot = defineMethod({
  id: 'feedback.screenshot',
  verb: 'GET',
  path: '/api/admin/feedback/:id/screenshot',
  summary: 'Admin: a report’s screenshot, as sent (its image type).',
  tag: 'admin',
  auth: 'admin',
  params: IdParams,
  response: null,
  status: 200,
});
