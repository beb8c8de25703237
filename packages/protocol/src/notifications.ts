/**
 * Notifications (SPEC MS-5): a person's defaults, their settings per space and per team (all
 * messages / mentions only / off, mute until), do-not-disturb hours, the Web Push subscriptions of
 * their devices, and the one rule deciding whether an event notifies someone — shared by the core
 * (Web Push, e-mail digests) and the web app (the open tab's browser notifications), so both decide
 * alike. Nothing here carries content: a push names ids only.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams } from './common.ts';
import { defineMethod } from './method.ts';

export const NOTIFICATION_LIMITS = {
  /** Push subscriptions one person keeps (one per browser profile or installed app); the oldest goes. */
  subscriptionsPerPerson: 20,
  /** A push service's endpoint URL. */
  endpointChars: 2048,
  /** How far ahead a mute may last (a year; "off" is the setting for ever). */
  muteMaxDays: 366,
} as const;

/** A level: every message, only mentions of me (or everyone), or nothing. */
export const NotificationLevel = Type.Union([Type.Literal('all'), Type.Literal('mentions'), Type.Literal('off')]);
export type NotificationLevel = Static<typeof NotificationLevel>;

/** `HH:MM`, 24-hour. */
export const ClockTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });

/** Do-not-disturb hours, every day, in the person's time zone; `end` before `start` spans midnight. */
export const QuietHours = Type.Object({ start: ClockTime, end: ClockTime }, { additionalProperties: false });
export type QuietHours = Static<typeof QuietHours>;

/** One space's or team's own setting; absent fields inherit (space → its team → the person's defaults). */
export const ScopeSetting = Type.Object({
  id: Id,
  level: Type.Optional(NotificationLevel),
  /** Nothing notifies before this time (ISO 8601); absent: not muted. */
  muteUntil: Type.Optional(Type.String()),
});
export type ScopeSetting = Static<typeof ScopeSetting>;

/** The person's defaults: kept in their profile's `notificationPrefs` (also settable through `PUT /api/people/me`). */
export const NotificationDefaults = Type.Object({
  messages: NotificationLevel,
  /** Being added to a space. */
  addedToSpace: Type.Boolean(),
  /** E-mail digests of unread activity while away. */
  email: Type.Boolean(),
  quietHours: Type.Optional(QuietHours),
});
export type NotificationDefaults = Static<typeof NotificationDefaults>;

export const NotificationSettings = Type.Object({
  defaults: NotificationDefaults,
  spaces: Type.Array(ScopeSetting),
  teams: Type.Array(ScopeSetting),
  /** The time zone quiet hours are read in (the person's, else the org's default, else UTC). */
  timezone: Type.String(),
});
export type NotificationSettings = Static<typeof NotificationSettings>;

export const getSettings = defineMethod({
  id: 'notifications.settings',
  verb: 'GET',
  path: '/api/notifications/settings',
  summary: 'One’s notification defaults and one’s settings per space and per team (only those set).',
  tag: 'notifications',
  auth: 'person',
  response: NotificationSettings,
  status: 200,
});

export const UpdateDefaultsBody = Type.Object(
  {
    messages: Type.Optional(NotificationLevel),
    addedToSpace: Type.Optional(Type.Boolean()),
    email: Type.Optional(Type.Boolean()),
    /** `null` turns do-not-disturb hours off. */
    quietHours: Type.Optional(Type.Union([QuietHours, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const updateDefaults = defineMethod({
  id: 'notifications.updateDefaults',
  verb: 'PUT',
  path: '/api/notifications/defaults',
  summary: 'Change one’s notification defaults and do-not-disturb hours.',
  tag: 'notifications',
  auth: 'person',
  body: UpdateDefaultsBody,
  response: NotificationSettings,
  status: 200,
});

export const ScopeSettingBody = Type.Object(
  {
    /** `null` goes back to inheriting. */
    level: Type.Optional(Type.Union([NotificationLevel, Type.Null()])),
    /** ISO 8601 time in the future, at most a year ahead; `null` unmutes. */
    muteUntil: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const setSpaceSetting = defineMethod({
  id: 'notifications.setSpace',
  verb: 'PUT',
  path: '/api/notifications/spaces/:id',
  summary: 'Set how a space one belongs to notifies one (level, mute until).',
  tag: 'notifications',
  auth: 'person',
  params: IdParams,
  body: ScopeSettingBody,
  response: ScopeSetting,
  status: 200,
});

export const setTeamSetting = defineMethod({
  id: 'notifications.setTeam',
  verb: 'PUT',
  path: '/api/notifications/teams/:id',
  summary: 'Set how the spaces of a team one belongs to notify one, unless a space says otherwise.',
  tag: 'notifications',
  auth: 'person',
  params: IdParams,
  body: ScopeSettingBody,
  response: ScopeSetting,
  status: 200,
});

export const pushKey = defineMethod({
  id: 'notifications.pushKey',
  verb: 'GET',
  path: '/api/notifications/push/key',
  summary: 'The server’s VAPID public key (base64url), for `PushManager.subscribe({applicationServerKey})`.',
  tag: 'notifications',
  auth: 'person',
  response: Type.Object({ publicKey: Type.String() }),
  status: 200,
});

export const PushSubscriptionBody = Type.Object(
  {
    endpoint: Type.String({ minLength: 8, maxLength: NOTIFICATION_LIMITS.endpointChars }),
    /** As `PushSubscription.toJSON()` gives them: the device's P-256 public key and its 16-byte auth secret, base64url. */
    keys: Type.Object(
      {
        p256dh: Type.String({ pattern: '^[A-Za-z0-9_-]{86,88}={0,2}$' }),
        auth: Type.String({ pattern: '^[A-Za-z0-9_-]{22,24}={0,2}$' }),
      },
      { additionalProperties: false },
    ),
    expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  },
  { additionalProperties: false },
);

export const PushSubscriptionInfo = Type.Object({ id: Id, created: Type.String() });

export const subscribe = defineMethod({
  id: 'notifications.subscribe',
  verb: 'POST',
  path: '/api/notifications/push/subscriptions',
  summary: `Register this device's Web Push subscription (at most ${NOTIFICATION_LIMITS.subscriptionsPerPerson} a person; the oldest is dropped). The same endpoint again replaces its keys.`,
  tag: 'notifications',
  auth: 'person',
  body: PushSubscriptionBody,
  response: PushSubscriptionInfo,
  status: 200,
});

export const unsubscribe = defineMethod({
  id: 'notifications.unsubscribe',
  verb: 'DELETE',
  path: '/api/notifications/push/subscriptions/:id',
  summary: 'Remove one of one’s push subscriptions (this device signs out or turns push off).',
  tag: 'notifications',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

/**
 * What a Web Push message carries: ids only (never text, a title or a name), so a push service —
 * or anyone reading the push path — learns that something happened in a space, and nothing of it.
 * The service worker fetches the message through the API and opens it on the device.
 */
export const PushPayload = Type.Union([
  Type.Object({
    v: Type.Literal(1),
    kind: Type.Union([Type.Literal('message'), Type.Literal('mention'), Type.Literal('added')]),
    spaceId: Id,
    messageId: Type.Optional(Id),
  }),
  // An incoming call (CL-1): the worker asks the API who calls; the direct space, once there is one.
  Type.Object({ v: Type.Literal(1), kind: Type.Literal('call'), callId: Id, spaceId: Type.Optional(Id) }),
  // A new voicemail (CL-3): the worker asks the API who left it; the audio stays on the server, sealed.
  Type.Object({ v: Type.Literal(1), kind: Type.Literal('voicemail'), voicemailId: Id }),
]);
export type PushPayload = Static<typeof PushPayload>;

/** What happened, as the decision needs it. */
export type NotifiableEvent =
  | { kind: 'message'; mentionsMe: boolean }
  | { kind: 'added' }
  /** An incoming call rings like a mention (every level but `off`). */
  | { kind: 'call' }
  /** A new voicemail notifies like a missed call (every level but `off`). */
  | { kind: 'voicemail' };

export interface NotificationContext {
  defaults: Pick<NotificationDefaults, 'messages' | 'addedToSpace' | 'quietHours'>;
  space?: { level?: NotificationLevel | undefined; muteUntil?: string | number | undefined } | undefined;
  team?: { level?: NotificationLevel | undefined; muteUntil?: string | number | undefined } | undefined;
  /** The person's status says "do not disturb" now. */
  doNotDisturb: boolean;
  timezone: string;
}

function time(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

/** Minutes past midnight of `now` in `timezone` (UTC if the zone is unknown). */
export function minutesOfDay(now: number, timezone: string): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  } catch {
    parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  }
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return (hour % 24) * 60 + minute;
}

/** Inside the do-not-disturb hours now? `start == end` means none. */
export function inQuietHours(quiet: QuietHours | undefined, now: number, timezone: string): boolean {
  if (quiet === undefined) return false;
  const clock = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
  const start = clock(quiet.start);
  const end = clock(quiet.end);
  if (start === end) return false;
  const m = minutesOfDay(now, timezone);
  return start < end ? m >= start && m < end : m >= start || m < end;
}

/** The level that applies in a space: its own, else its team's, else the person's default. */
export function effectiveLevel(context: Pick<NotificationContext, 'defaults' | 'space' | 'team'>): NotificationLevel {
  return context.space?.level ?? context.team?.level ?? context.defaults.messages;
}

/** Muted now by the space's or the team's "mute until"? */
export function isMuted(context: Pick<NotificationContext, 'space' | 'team'>, now: number): boolean {
  for (const scope of [context.space, context.team]) {
    const until = time(scope?.muteUntil);
    if (until !== undefined && until > now) return true;
  }
  return false;
}

/**
 * Whether an event notifies this person now — the one rule, used by the core for pushes and
 * digests and by the web app for the open tab. Do-not-disturb (the status or the hours) and a mute
 * silence everything; `off` silences a space; `mentions` lets only mentions (and calls) through.
 */
export function shouldNotify(event: NotifiableEvent, context: NotificationContext, now: number): boolean {
  if (context.doNotDisturb || inQuietHours(context.defaults.quietHours, now, context.timezone)) return false;
  if (isMuted(context, now)) return false;
  const level = effectiveLevel(context);
  switch (event.kind) {
    case 'added':
      return context.defaults.addedToSpace && level !== 'off';
    case 'call':
    case 'voicemail':
      return level !== 'off';
    case 'message':
      return level === 'all' || (level === 'mentions' && event.mentionsMe);
  }
}
