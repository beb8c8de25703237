/**
 * The organization's logo (issue 16): an org admin uploads a PNG, JPEG or WebP image; every member
 * sees it beside the org's name in the web app's header. The logo is org branding, not space
 * content: the core holds it in clear in the blob store, like the org's name. The upload is decoded
 * and re-encoded to WebP by sharp, so what is served is always a plain raster image the server made
 * (never an SVG or anything a browser could run), without the upload's metadata. Changes are audited.
 * @module
 */
import { LIMITS } from '@flint/protocol';
import type { Actor, Core } from '../core.ts';
import type { OrgRow } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { getOrg } from '../identity/orgs.ts';
import { newId } from '../infra/ids.ts';
import { recordAdminAction } from './audit.ts';

export const ORG_LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
/** What sharp must find in the bytes, whatever the Content-Type claimed. */
const SHARP_FORMATS = new Set(['png', 'jpeg', 'webp']);

async function ownOrg(core: Core, actor: Actor, orgId: string): Promise<OrgRow> {
  const org = orgId === actor.orgId ? await getOrg(core.db, orgId) : undefined;
  if (org === undefined) throw ApiError.notFound('organization');
  return org;
}

/** Checks and re-encodes the upload; throws a 4xx before anything is stored. Also an integration's logo (identity/oauth.ts). */
export async function reencodeLogo(contentType: string | undefined, data: Uint8Array, maxBytes: number = LIMITS.orgLogoBytes): Promise<Buffer> {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!(ORG_LOGO_TYPES as readonly string[]).includes(type)) throw new ApiError('unsupported_media_type', 'A logo must be a PNG, JPEG or WebP image.');
  if (data.byteLength > maxBytes) throw new ApiError('payload_too_large', `A logo may be at most ${maxBytes} bytes.`);
  if (data.byteLength === 0) throw ApiError.badRequest('The logo image is empty.');
  // sharp (libvips) is loaded on first use, as for avatars.
  const { default: sharp } = await import('sharp');
  try {
    const image = sharp(data, { limitInputPixels: 25_000_000, animated: false });
    const meta = await image.metadata();
    if (meta.format === undefined || !SHARP_FORMATS.has(meta.format)) throw new Error('format');
    // "inside": a wide wordmark keeps its proportions; the header scales it down to its height.
    return await image
      .rotate()
      .resize(LIMITS.orgLogoPixels, LIMITS.orgLogoPixels, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 90, alphaQuality: 100 })
      .toBuffer();
  } catch {
    throw ApiError.badRequest('The logo is not a readable PNG, JPEG or WebP image.');
  }
}

export async function setOrgLogo(core: Core, actor: Actor, orgId: string, contentType: string | undefined, data: Uint8Array): Promise<OrgRow> {
  const org = await ownOrg(core, actor, orgId);
  const webp = await reencodeLogo(contentType, data);
  const key = `org-logos/${org.id}/${newId()}.webp`;
  await core.blobs.put(key, webp, 'image/webp');
  try {
    await core.db.transaction().execute(async (trx) => {
      await trx.updateTable('orgs').set({ logo_key: key }).where('id', '=', org.id).execute();
      await recordAdminAction(core, trx, actor, { action: 'org.logoSet', targetId: org.id, targetName: org.display_name, changes: { logo: { to: `${webp.byteLength} bytes` } } });
    });
  } catch (error) {
    await core.blobs.delete(key);
    throw error;
  }
  if (org.logo_key !== null) await core.blobs.delete(org.logo_key);
  return { ...org, logo_key: key };
}

export async function deleteOrgLogo(core: Core, actor: Actor, orgId: string): Promise<void> {
  const org = await ownOrg(core, actor, orgId);
  if (org.logo_key === null) return;
  await core.db.transaction().execute(async (trx) => {
    await trx.updateTable('orgs').set({ logo_key: null }).where('id', '=', org.id).execute();
    await recordAdminAction(core, trx, actor, { action: 'org.logoRemove', targetId: org.id, targetName: org.display_name });
  });
  await core.blobs.delete(org.logo_key);
}

/** The logo's bytes for a member of the org; 404 for anyone else or when there is none. */
export async function getOrgLogo(core: Core, actor: Actor, orgId: string): Promise<{ data: Uint8Array; contentType: string }> {
  const org = await ownOrg(core, actor, orgId);
  const blob = org.logo_key === null ? undefined : await core.blobs.get(org.logo_key);
  if (blob === undefined) throw ApiError.notFound('logo');
  return blob;
}
