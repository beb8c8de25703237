/**
 * Hash routes (`#/space/<id>`…), as Element does: deep links work without the server knowing
 * the app's routes, and the path never carries content (ids only; a search query stays in the
 * fragment, which browsers never send to a server).
 * @module
 */
import { useEffect, useState } from 'react';

export type Route =
  | { view: 'home' }
  | { view: 'space'; roomId: string; threadId?: string; messageId?: string; panel?: 'details' | 'whiteboards'; boardId?: string }
  | { view: 'search'; query: string }
  | { view: 'settings' }
  /** The link of an invitation e-mail (SPEC ID-3): the token stays in the fragment, never sent to a server in a URL. */
  | { view: 'invitation'; token: string }
  /** The link of a sign-up confirmation e-mail (issue 14): finishes the account; the token stays in the fragment too. */
  | { view: 'confirm'; token: string }
  /** The admin console (org admins; the server enforces it). */
  | { view: 'admin'; section: AdminSection }
  | { view: 'flagged' }
  /** Where the server sends the browser when a single sign-on did not sign anyone in (issue 18). */
  | { view: 'sso-error'; code: string }
  /** Messages that mention me, across spaces (issue 16). */
  | { view: 'mentions' }
  /** The help desk (SPEC SP-7): ask a question; an expert's queue with take, hand off, resolve. */
  | { view: 'care' }
  /** Scheduled meetings (MT-4): upcoming, schedule, import an .ics. */
  | { view: 'meetings' }
  /** Call history and call settings (CL-1, CL-2). */
  | { view: 'calls' }
  /** A personal room's link (MT-3): `<base>/meet/<name>` redirects here. */
  | { view: 'meet'; name: string }
  /** A meeting link for guests (docs/meetings.md "Guests"): the secret stays in the fragment. */
  | { view: 'guest'; token: string }
  /** The link of a "forgot password" e-mail: the token stays in the fragment, never sent to a server in a URL. */
  | { view: 'reset'; token: string }
  /** The integrations one registered (issue 18, ID-9). */
  | { view: 'integrations' }
  /** One's voicemail (SPEC CL-3). */
  | { view: 'voicemail' }
  /** The consent page `/v1/authorize` sends the browser to: the OAuth request stays in the fragment. */
  | { view: 'oauth'; params: string };

export const ADMIN_SECTIONS = ['people', 'invitations', 'roles', 'licenses', 'domains', 'policies', 'branding', 'sso', 'scim', 'retention', 'care', 'telephony', 'reports', 'health', 'notices', 'feedback', 'audit', 'compliance'] as const;
export type AdminSection = (typeof ADMIN_SECTIONS)[number];

export function parseRoute(hash: string): Route {
  // The consent page's query is kept whole: its redirect URI holds slashes.
  const consent = /^#\/oauth\/authorize\?(.*)$/.exec(hash);
  if (consent?.[1] !== undefined) return { view: 'oauth', params: consent[1] };
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'space' && parts[1]) {
    const route: Route = { view: 'space', roomId: parts[1] };
    if (parts[2] === 'thread' && parts[3]) route.threadId = parts[3];
    if (parts[2] === 'message' && parts[3]) route.messageId = parts[3];
    if (parts[2] === 'details') route.panel = 'details';
    if (parts[2] === 'whiteboards') route.panel = 'whiteboards';
    if (parts[2] === 'whiteboard' && parts[3]) route.boardId = parts[3];
    return route;
  }
  if (parts[0] === 'search') return { view: 'search', query: parts.slice(1).join('/') };
  if (parts[0] === 'settings') return { view: 'settings' };
  if (parts[0] === 'invitation' && parts[1]) return { view: 'invitation', token: parts[1] };
  if (parts[0] === 'confirm' && parts[1]) return { view: 'confirm', token: parts[1] };
  if (parts[0] === 'admin') {
    const section = ADMIN_SECTIONS.find((s) => s === parts[1]) ?? 'people';
    return { view: 'admin', section };
  }
  if (parts[0] === 'flagged') return { view: 'flagged' };
  if (parts[0] === 'sso-error' && parts[1]) return { view: 'sso-error', code: parts[1] };
  if (parts[0] === 'mentions') return { view: 'mentions' };
  if (parts[0] === 'care') return { view: 'care' };
  if (parts[0] === 'meetings') return { view: 'meetings' };
  if (parts[0] === 'calls') return { view: 'calls' };
  if (parts[0] === 'meet' && parts[1]) return { view: 'meet', name: parts[1] };
  if (parts[0] === 'guest' && parts[1]) return { view: 'guest', token: parts[1] };
  if (parts[0] === 'integrations') return { view: 'integrations' };
  if (parts[0] === 'voicemail') return { view: 'voicemail' };
  if (parts[0] === 'reset' && parts[1]) return { view: 'reset', token: parts[1] };
  return { view: 'home' };
}

export function href(route: Route): string {
  switch (route.view) {
    case 'home':
      return '#/';
    case 'search':
      return `#/search/${encodeURIComponent(route.query)}`;
    case 'settings':
      return '#/settings';
    case 'invitation':
      return `#/invitation/${encodeURIComponent(route.token)}`;
    case 'confirm':
      return `#/confirm/${encodeURIComponent(route.token)}`;
    case 'admin':
      return `#/admin/${route.section}`;
    case 'flagged':
      return '#/flagged';
    case 'sso-error':
      return `#/sso-error/${encodeURIComponent(route.code)}`;
    case 'mentions':
      return '#/mentions';
    case 'care':
      return '#/care';
    case 'meetings':
      return '#/meetings';
    case 'calls':
      return '#/calls';
    case 'meet':
      return `#/meet/${encodeURIComponent(route.name)}`;
    case 'guest':
      return `#/guest/${encodeURIComponent(route.token)}`;
    case 'integrations':
      return '#/integrations';
    case 'voicemail':
      return '#/voicemail';
    case 'oauth':
      return `#/oauth/authorize?${route.params}`;
    case 'reset':
      return `#/reset/${encodeURIComponent(route.token)}`;
    case 'space': {
      let h = `#/space/${encodeURIComponent(route.roomId)}`;
      if (route.threadId !== undefined) h += `/thread/${encodeURIComponent(route.threadId)}`;
      else if (route.messageId !== undefined) h += `/message/${encodeURIComponent(route.messageId)}`;
      else if (route.boardId !== undefined) h += `/whiteboard/${encodeURIComponent(route.boardId)}`;
      else if (route.panel !== undefined) h += `/${route.panel}`;
      return h;
    }
  }
}

export function go(route: Route): void {
  window.location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
