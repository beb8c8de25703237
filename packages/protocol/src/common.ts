/**
 * Schemas shared by many methods.
 * @module
 */
import { Type, type TSchema } from 'typebox';
import { LIMITS } from './limits.ts';

/** A resource id: a UUID (v7 for rows Flint creates, so ids sort by creation time). */
export const Id = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  description: 'UUID',
});

/** ISO-8601 UTC with milliseconds, as Webex writes times. */
export const Timestamp = Type.String({ format: 'date-time' });

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: LIMITS.emailChars });

export const Password = Type.String({ minLength: LIMITS.passwordMinChars, maxLength: LIMITS.passwordMaxChars });

export const DisplayName = Type.String({ minLength: 1, maxLength: LIMITS.displayNameChars });

export const NamePart = Type.String({ maxLength: LIMITS.nameChars });

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

/** `max` for list endpoints; values above the limit are clamped by the server, not rejected. */
export const PageMax = Type.Integer({ minimum: 1, description: `page size, clamped to ${LIMITS.pageMax}` });

/** The `{items}` envelope Webex uses for every list. */
export function ItemsOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item) });
}
