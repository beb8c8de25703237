/**
 * A person's avatar (served by the core to those who may see the person; the cookie rides along)
 * or their initials, with a presence dot when known (SPEC MS-7).
 * @module
 */
import { useAppStore } from './store-context.ts';

export function Avatar({ personId, size = 32, showPresence = false }: { personId: string; size?: number; showPresence?: boolean }) {
  const store = useAppStore();
  const person = store.people.get(personId);
  const name = person?.displayName ?? person?.email ?? '?';
  const initials = name
    .split(/\s+/)
    .map((w) => Array.from(w)[0] ?? '')
    .slice(0, 2)
    .join('')
    .toUpperCase();
  const presence = store.presence.get(personId);
  // A chosen "away" or "do not disturb" shows over being online (issue 16).
  const chosen = store.availability.get(personId)?.status;
  const dot = chosen === 'dnd' || chosen === 'away' ? chosen : presence;
  return (
    <span className="avatar" style={{ width: size, height: size, fontSize: size * 0.4 }} aria-hidden="true">
      {person?.avatar !== undefined ? <img src={person.avatar} alt="" width={size} height={size} /> : <span className={`initials hue-${hue(personId)}`}>{initials}</span>}
      {showPresence && dot !== undefined && <span className={`presence presence-${dot}`} />}
    </span>
  );
}

function hue(id: string): number {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) % 8;
  return h;
}
