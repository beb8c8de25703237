/**
 * The spaces and messages of the encrypted local cache (SPEC SEC-7), shown read-only while the
 * network has not answered yet (fast start) or does not answer at all (offline). The live app
 * replaces it as soon as the session is open.
 * @module
 */
import { lazy, Suspense, useEffect, useState } from 'react';
import { useI18n } from '../i18n/index.tsx';
import type { LocalCache } from '../app/local-cache.ts';
import { readTimeline, type CachedMessage, type CachedSpaces } from '../app/cached-content.ts';
const Markdown = lazy(() => import('../markdown/Markdown.tsx'));

export function CachedView({ cache, spaces, offline }: { cache: LocalCache; spaces: CachedSpaces; offline: boolean }) {
  const { t, time } = useI18n();
  const [roomId, setRoomId] = useState(spaces.rooms[0]?.id);
  const [messages, setMessages] = useState<CachedMessage[]>([]);
  const names = new Map(spaces.people.map((p) => [p.id, p.displayName]));
  const title = (r: CachedSpaces['rooms'][number]) => r.title ?? (r.directPersonId !== undefined ? names.get(r.directPersonId) : undefined) ?? '…';
  const room = spaces.rooms.find((r) => r.id === roomId);

  useEffect(() => {
    if (roomId === undefined) return;
    let live = true;
    void readTimeline(cache, roomId).then((m) => live && setMessages(m));
    return () => {
      live = false;
    };
  }, [cache, roomId]);

  return (
    <div className="shell show-main cached-view" data-testid="cached-view">
      <header className="topbar">
        <span className="org-name">{t('appName')}</span>
      </header>
      <div className="banner" role="status" aria-live="polite">
        {offline ? t('cachedOffline') : t('cachedConnecting')}
      </div>
      {/* Its own names and classes: nothing here may pass for the live app's navigation, timeline or messages. */}
      <nav className="cached-sidebar" aria-label={t('cachedSpaces')}>
        <h2 className="section-title" id="cached-spaces-title">
          {t('cachedSpaces')}
        </h2>
        <ul className="room-list" aria-labelledby="cached-spaces-title">
          {spaces.rooms.map((r) => (
            <li key={r.id}>
              <button type="button" className={`room-item ${r.id === roomId ? 'active' : ''}`} aria-current={r.id === roomId ? 'page' : undefined} onClick={() => setRoomId(r.id)}>
                <span className="room-title">{title(r)}</span>
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="main">
        {room !== undefined && (
          <section className="timeline-pane" aria-label={title(room)}>
            <h1 className="cached-title">{t('cachedSpaceTitle', { space: title(room) })}</h1>
            <div className="cached-timeline">
              {messages.length === 0 && <p className="muted">{t('cachedNoMessages')}</p>}
              {messages.map((m) => (
                <article key={m.id} className="cached-message">
                  <div>
                    <strong>{names.get(m.personId) ?? ''}</strong> <span className="muted small">{time(m.created)}</span>
                    <div>{m.deleted ? <em className="muted">{t('cachedDeleted')}</em> : (
                        <Suspense fallback={<p>{m.text}</p>}>
                          <Markdown source={m.markdown ?? m.text ?? ''} meId={cache.personId} inert />
                        </Suspense>
                      )}</div>
                  </div>
                </article>
              ))}
            </div>
          </section>
        )}
      </main>
    </div>
  );
}
