/**
 * Problem reports (SPEC AD-5): a person sends one to their org's admins, who list and download
 * them. Limits are explicit (FEEDBACK_LIMITS): the description's length, the log's entries, the
 * screenshot's bytes and type (it must decode as the image it claims to be), and five reports per
 * person per hour.
 * @module
 */
import { FEEDBACK_LIMITS, type ClientLogEntry, type FeedbackReport, type FeedbackSummary, type SendFeedbackBody } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { FeedbackReportsTable } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { iso, newId } from '../infra/ids.ts';
import { findPerson } from '../identity/people.ts';

const SHARP_FORMAT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/webp': 'webp' };

export async function sendFeedback(core: Core, actor: Actor, body: SendFeedbackBody, client: { userAgent?: string | undefined }): Promise<{ id: string; created: string }> {
  const person = await findPerson(core.db, actor.personId);
  if (person === undefined) throw ApiError.notFound('person');
  const description = body.description?.trim() ?? '';
  const logs = body.logs ?? [];
  if (description === '' && body.screenshot === undefined && logs.length === 0) {
    throw ApiError.badRequest('A report needs a description, a screenshot or the logs.', ['description: empty']);
  }
  let screenshot: Buffer | undefined;
  if (body.screenshot !== undefined) {
    screenshot = Buffer.from(body.screenshot.data, 'base64');
    if (screenshot.byteLength > FEEDBACK_LIMITS.screenshotBytes) {
      throw new ApiError('payload_too_large', `A screenshot may be at most ${FEEDBACK_LIMITS.screenshotBytes} bytes.`);
    }
    await assertImage(screenshot, body.screenshot.contentType);
  }
  // Counted after the checks, so a refused report does not use up the person's allowance.
  const { count, resetInSec } = await core.limiter.hit(`feedback:${actor.personId}`, 3600);
  if (count > FEEDBACK_LIMITS.perPersonPerHour) throw ApiError.rateLimited(resetInSec, `At most ${FEEDBACK_LIMITS.perPersonPerHour} problem reports an hour.`);

  const id = newId();
  const now = core.now();
  let screenshotKey: string | null = null;
  if (screenshot !== undefined && body.screenshot !== undefined) {
    screenshotKey = `feedback/${actor.orgId}/${id}`;
    await core.blobs.put(screenshotKey, screenshot, body.screenshot.contentType);
  }
  const row: FeedbackReportsTable = {
    id,
    org_id: actor.orgId,
    person_id: person.id,
    person_name: person.display_name,
    person_email: person.email,
    description: description === '' ? null : description,
    logs: JSON.stringify(logs),
    log_entries: logs.length,
    screenshot_key: screenshotKey,
    screenshot_type: body.screenshot?.contentType ?? null,
    user_agent: client.userAgent?.slice(0, 512) ?? null,
    client_version: body.clientVersion ?? null,
    created_at: now,
  };
  await core.db.insertInto('feedback_reports').values(row).execute();
  return { id, created: iso(now) };
}

/** The bytes must decode as the type claimed: a report cannot carry an arbitrary file to the admins. */
async function assertImage(data: Buffer, contentType: string): Promise<void> {
  const { default: sharp } = await import('sharp');
  let format: string | undefined;
  try {
    format = (await sharp(data, { limitInputPixels: 50_000_000 }).metadata()).format;
  } catch {
    format = undefined;
  }
  if (format !== SHARP_FORMAT[contentType]) throw new ApiError('unsupported_media_type', `The screenshot is not a readable ${contentType} image.`);
}

function summary(row: FeedbackReportsTable): FeedbackSummary {
  const s: FeedbackSummary = {
    id: row.id,
    personId: row.person_id,
    personName: row.person_name,
    personEmail: row.person_email,
    created: iso(row.created_at),
    hasScreenshot: row.screenshot_key !== null,
    logEntries: Number(row.log_entries),
  };
  if (row.description !== null) s.description = row.description;
  if (row.user_agent !== null) s.userAgent = row.user_agent;
  if (row.client_version !== null) s.clientVersion = row.client_version;
  return s;
}

export async function listFeedback(core: Core, actor: Actor, page: { max?: number | undefined; offset?: number | undefined }): Promise<FeedbackSummary[]> {
  const rows = await core.db
    .selectFrom('feedback_reports')
    .selectAll()
    .where('org_id', '=', actor.orgId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.max ?? 50)
    .offset(page.offset ?? 0)
    .execute();
  return rows.map(summary);
}

async function findReport(core: Core, actor: Actor, id: string): Promise<FeedbackReportsTable> {
  const row = await core.db.selectFrom('feedback_reports').selectAll().where('id', '=', id).where('org_id', '=', actor.orgId).executeTakeFirst();
  // Another org's report is answered like a missing one.
  if (row === undefined) throw ApiError.notFound('report');
  return row;
}

export async function getFeedback(core: Core, actor: Actor, id: string): Promise<FeedbackReport> {
  const row = await findReport(core, actor, id);
  const report: FeedbackReport = { ...summary(row), logs: JSON.parse(row.logs) as ClientLogEntry[] };
  if (row.screenshot_type !== null) report.screenshotType = row.screenshot_type;
  return report;
}

export async function feedbackScreenshot(core: Core, actor: Actor, id: string): Promise<{ data: Uint8Array; contentType: string }> {
  const row = await findReport(core, actor, id);
  const blob = row.screenshot_key === null ? undefined : await core.blobs.get(row.screenshot_key);
  if (blob === undefined) throw ApiError.notFound('screenshot');
  return { data: blob.data, contentType: blob.contentType };
}
