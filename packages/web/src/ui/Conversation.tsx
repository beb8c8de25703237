/**
 * A space (SPEC MS-1 … MS-4, MS-7, FL-1): its messages with infinite scroll back through history,
 * the "new messages" line and jump to unread, read receipts, typing, threads, files by drag and drop,
 * and the composer. Messages are read (and receipts sent) when the tab shows the newest of them.
 * @module
 */
import { MeetingButton } from './meeting/MeetingButton.tsx';
import { CallButtons } from './call/CallButtons.tsx';
import { LeaveVoicemailButton } from './voicemail/LeaveVoicemail.tsx';
import { MeetingView } from './meeting/MeetingView.tsx';
import { MeetingPreview } from './meeting/MeetingPreview.tsx';
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type DragEvent } from 'react';
import type { SecureMessage } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { go, href, type Route } from '../app/router.ts';
import { shareFiles, type UploadProgress } from '../app/actions.ts';
import { TransferBar } from './TransferBar.tsx';
import { useAppStore } from './store-context.ts';
import { Avatar } from './Avatar.tsx';
import { StatusNote } from './Status.tsx';
import { Composer } from './Composer.tsx';
import { MessageItem } from './MessageItem.tsx';
import { Thread } from './Thread.tsx';
import { Details } from './Details.tsx';
import { WhiteboardList } from './whiteboard/WhiteboardList.tsx';
import { Icon } from './Icon.tsx';
import { SystemLine } from './SystemLine.tsx';

export function Conversation({ route }: { route: Extract<Route, { view: 'space' }> }) {
  const { t, day, list } = useI18n();
  const store = useAppStore();
  const { roomId } = route;
  const room = store.rooms.get(roomId);
  const timeline = store.timelines.get(roomId);
  const scroller = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [showJump, setShowJump] = useState<'unread' | 'latest' | undefined>();
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<UploadProgress | undefined>();
  const uploads = useRef<AbortController | undefined>(undefined);
  // Files chosen, pasted or dropped, waiting in the composer for a caption and Send (per space).
  const [staged, setStaged] = useState<File[]>([]);
  useEffect(() => setStaged([]), [roomId]);
  // One cancel for the files being sent; a cancelled upload is no error to show.
  const share = async (files: File[], caption?: Parameters<typeof shareFiles>[4]) => {
    const controller = new AbortController();
    uploads.current = controller;
    try {
      await shareFiles(store, roomId, files, setProgress, caption, controller.signal);
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    }
  };
  const previous = useRef<{ first: string | undefined; height: number }>({ first: undefined, height: 0 });

  const known = room !== undefined;
  useEffect(() => {
    // A space one is not in (an old link, someone else's URL) is never asked for: nothing to show.
    if (!known) return;
    void store.openTimeline(roomId).catch((e: unknown) => store.fail(e));
    if (!store.members.has(roomId)) void store.loadMembers(roomId).catch((e: unknown) => store.fail(e));
  }, [roomId, store, known]);

  const messages = (timeline?.ids ?? []).map((id) => store.messages.get(id)).filter((m): m is SecureMessage => m !== undefined);
  const topLevel = messages.filter((m) => m.parentId === undefined);
  const replies = new Map<string, SecureMessage[]>();
  for (const m of messages) if (m.parentId !== undefined) replies.set(m.parentId, [...(replies.get(m.parentId) ?? []), m]);
  const newestId = timeline?.ids.at(-1);
  const firstId = timeline?.ids[0];

  // Keep the view where it was when older messages are prepended; follow new ones at the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el === null) return;
    const before = previous.current;
    if (before.first !== undefined && firstId !== undefined && firstId < before.first) el.scrollTop += el.scrollHeight - before.height;
    else if (atBottom.current && route.messageId === undefined) el.scrollTop = el.scrollHeight;
    previous.current = { first: firstId, height: el.scrollHeight };
  });

  // An image (a preview decrypted after the messages showed) grows the timeline without a render of
  // this component: a view that was at the bottom stays there whenever the content grows.
  useEffect(() => {
    const el = scroller.current;
    const inner = content.current;
    if (el === null || inner === null) return;
    const observer = new ResizeObserver(() => {
      if (atBottom.current && route.messageId === undefined) el.scrollTop = el.scrollHeight;
    });
    observer.observe(inner);
    return () => observer.disconnect();
  }, [route.messageId, known]);

  // Infinite scroll: the sentinel above the oldest message loads the page before it.
  useEffect(() => {
    const el = sentinel.current;
    if (el === null || scroller.current === null) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) void store.loadOlder(roomId).catch((e: unknown) => store.fail(e));
      },
      { root: scroller.current, rootMargin: '200px 0px 0px 0px' },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [roomId, store, timeline?.complete]);

  // Jump to a message in context (from search or a flag): load back until it is there.
  useEffect(() => {
    const target = route.messageId;
    if (target === undefined || timeline === undefined || timeline.loadingOlder) return;
    const message = store.messages.get(target);
    if (message?.parentId !== undefined) {
      go({ view: 'space', roomId, threadId: message.parentId });
      return;
    }
    const el = document.getElementById(`m-${target}`);
    if (el !== null) {
      el.scrollIntoView({ block: 'center' });
      el.classList.add('highlight');
      el.focus();
      atBottom.current = false;
      return;
    }
    if (!timeline.complete) void store.loadOlder(roomId);
    else
      void store.session.sdk.messages.get(target).then((m) => {
        if (m.parentId !== undefined) go({ view: 'space', roomId, threadId: m.parentId });
      });
  });

  const readIfVisible = useCallback(() => {
    if (document.visibilityState === 'visible' && atBottom.current) void store.markRead(roomId).catch(() => undefined);
  }, [roomId, store]);

  useEffect(() => {
    readIfVisible();
  }, [newestId, readIfVisible]);

  useEffect(() => {
    document.addEventListener('visibilitychange', readIfVisible);
    window.addEventListener('focus', readIfVisible);
    return () => {
      document.removeEventListener('visibilitychange', readIfVisible);
      window.removeEventListener('focus', readIfVisible);
    };
  }, [readIfVisible]);

  const onScroll = () => {
    const el = scroller.current;
    if (el === null) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    const line = document.getElementById('unread-line');
    if (line !== null && line.getBoundingClientRect().bottom < el.getBoundingClientRect().top) setShowJump('unread');
    else if (!atBottom.current) setShowJump('latest');
    else setShowJump(undefined);
    if (atBottom.current) readIfVisible();
  };

  const jump = () => {
    const el = scroller.current;
    if (showJump === 'unread') document.getElementById('unread-line')?.scrollIntoView({ block: 'start' });
    else if (el !== null) el.scrollTop = el.scrollHeight;
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const dropped = [...e.dataTransfer.files];
    // Staged in the composer, to be sent with a caption (or none) by Send.
    if (dropped.length > 0) setStaged((before) => [...before, ...dropped]);
  };

  if (room === undefined) return <p className="empty" role="status">{t('spaceUnavailable')}</p>;
  const title = store.roomTitle(room);
  const members = store.members.get(roomId) ?? [];
  // Read receipts: each other member at the newest top-level message they have read. Whoever sent a
  // message has seen it (the server moves the sender's marker without a receipt event), so their own
  // newest message counts too; a receipt is not shown on the reader's own message.
  const seenAt = new Map<string, string[]>();
  for (const m of members) {
    if (m.personId === store.me) continue;
    const ownNewest = messages.findLast((x) => x.personId === m.personId)?.id;
    const seen = m.lastSeenId === undefined || (ownNewest !== undefined && ownNewest > m.lastSeenId) ? ownNewest : m.lastSeenId;
    if (seen === undefined) continue;
    const at = topLevel.findLast((x) => x.id <= seen);
    if (at !== undefined && at.personId !== m.personId) seenAt.set(at.id, [...(seenAt.get(at.id) ?? []), m.personDisplayName]);
  }
  const anchor = timeline?.unreadAnchor;
  const firstUnread = topLevel.find((m) => anchor !== undefined && m.id > anchor && m.personId !== store.me);
  const typing = store.typingIn(roomId).map((id) => store.nameOf(id));
  const panelOpen = route.threadId !== undefined || route.panel !== undefined;
  let lastDay = '';
  let previousShown: SecureMessage | undefined;
  // System lines go between the messages by time; those after the newest message go last.
  const notices = [...(store.notices.get(roomId) ?? [])].sort((a, b) => a.at.localeCompare(b.at));
  let nextNotice = 0;
  const noticesUntil = (created: string | undefined) => {
    const start = nextNotice;
    while (nextNotice < notices.length && (created === undefined || notices[nextNotice]!.at <= created)) nextNotice++;
    return notices.slice(start, nextNotice);
  };

  return (
    <div className={`conversation ${panelOpen ? 'with-panel' : ''}`} onDragOver={(e) => (e.preventDefault(), setDragging(true))} onDragLeave={() => setDragging(false)} onDrop={onDrop}>
      <section className="timeline-pane" aria-labelledby="space-title">
        <header className="conv-header">
          <a className="icon-button back-button" href={href({ view: 'home' })} aria-label={t('back')}>
            <Icon name="back" />
          </a>
          {room.type === 'direct' && room.directPersonId !== undefined && <Avatar personId={room.directPersonId} showPresence />}
          <h1 id="space-title">{title}</h1>
          {room.type === 'direct' && room.directPersonId !== undefined && (
            <span className="muted small">{store.presence.get(room.directPersonId) === 'active' ? t('online') : t('offline')}</span>
          )}
          {room.type === 'direct' && room.directPersonId !== undefined && <StatusNote personId={room.directPersonId} />}
          {room.isLocked && (
            // role="img": an aria-label names nothing on a bare span (axe: aria-prohibited-attr).
            <span className="tag" role="img" title={t('locked')} aria-label={t('locked')}>
              <Icon name="lock" size={14} />
            </span>
          )}
          <span className="spacer" />
          {room.type === 'direct' && room.directPersonId !== undefined && <CallButtons personId={room.directPersonId} name={title} roomId={roomId} />}
          <MeetingButton roomId={roomId} />
          {room.type === 'direct' && room.directPersonId !== undefined && <LeaveVoicemailButton personId={room.directPersonId} roomId={roomId} displayName={title} />}
          <button type="button" className="icon-button" aria-pressed={room.isFavorite === true} aria-label={room.isFavorite === true ? t('unfavorite') : t('favorite')} onClick={() => void store.toggleFavorite(room).catch((e: unknown) => store.fail(e))}>
            <Icon name="star" filled={room.isFavorite === true} />
          </button>
          <a className="button small" href={href(route.panel === 'whiteboards' ? { view: 'space', roomId } : { view: 'space', roomId, panel: 'whiteboards' })} aria-expanded={route.panel === 'whiteboards'}>
            {t('whiteboards')}
          </a>
          <a className="button small" href={href(route.panel === 'details' ? { view: 'space', roomId } : { view: 'space', roomId, panel: 'details' })} aria-expanded={route.panel === 'details'}>
            <Icon name="info" size={16} />
            {/* Hidden (still the link's name) at phone width, where the words squeezed the space's name. */}
            <span className="details-label">{t('details')}</span>
          </a>
        </header>
        {store.call?.roomId === roomId && <MeetingView call={store.call} />}
        {store.call?.roomId !== roomId && store.meetingPreview === roomId && <MeetingPreview roomId={roomId} />}
        <div className="timeline" ref={scroller} onScroll={onScroll} role="log" aria-label={t('messageList')} aria-live="polite" aria-relevant="additions">
          <div ref={content} className="timeline-content">
            <div ref={sentinel} className="sentinel" />
            {timeline?.loadingOlder === true && <p className="muted center">{t('loadingOlder')}</p>}
            {timeline?.complete === true && <p className="muted center small">{t('beginning')}</p>}
            {topLevel.map((m) => {
              const lines = noticesUntil(m.created);
              if (lines.length > 0) previousShown = undefined;
              const d = day(m.created);
              const showDay = d !== lastDay;
              lastDay = d;
              // Messages in a row from one sender within the same minute read as one block: the later
              // ones without their avatar and name (no day line, unread line or deleted one between).
              const before = previousShown;
              previousShown = m;
              const grouped =
                !showDay &&
                m.id !== firstUnread?.id &&
                before !== undefined &&
                before.personId === m.personId &&
                before.deleted === undefined &&
                m.deleted === undefined &&
                !seenAt.has(before.id) &&
                sameMinute(before.created, m.created);
              return (
                <div key={m.id}>
                  {lines.map((n) => (
                    <SystemLine key={n.id} notice={n} />
                  ))}
                  {showDay && (
                    <div className="day-divider" role="separator">
                      <span>{d}</span>
                    </div>
                  )}
                  {m.id === firstUnread?.id && (
                    <div id="unread-line" className="unread-line" role="separator">
                      <span>{t('newMessages')}</span>
                    </div>
                  )}
                  <MessageItem message={m} replies={replies.get(m.id) ?? []} grouped={grouped} />
                  {seenAt.has(m.id) && <p className="seen-by small muted">{t('seenBy', { names: list(seenAt.get(m.id)!) })}</p>}
                </div>
              );
            })}
            {noticesUntil(undefined).map((n) => (
              <SystemLine key={n.id} notice={n} />
            ))}
          </div>
        </div>
        {showJump !== undefined && (
          <button type="button" className="jump" onClick={jump}>
            {showJump === 'unread' ? t('jumpToUnread') : t('jumpToLatest')} ↓
          </button>
        )}
        <div className="typing small muted" aria-live="polite">
          {typing.length === 1 ? t('typingOne', { name: typing[0]! }) : typing.length > 1 ? t('typingMany', { names: list(typing) }) : ' '}
        </div>
        {progress !== undefined && (
          <div className="upload">
            <TransferBar
              label={t('uploading', { name: progress.name, percent: Math.floor((100 * progress.loaded) / Math.max(1, progress.total)) })}
              loaded={progress.loaded}
              total={progress.total}
              cancelLabel={t('cancelUpload', { name: progress.name })}
              onCancel={() => uploads.current?.abort()}
            />
          </div>
        )}
        <Composer
          room={room}
          title={title}
          staged={staged}
          onFiles={(f) => setStaged((before) => [...before, ...f])}
          onUnstage={(i) => setStaged((before) => before.filter((_, j) => j !== i))}
          onSendFiles={async (files, caption) => {
            setStaged([]);
            await share(files, caption);
          }}
        />
        {dragging && (
          <div className="drop-overlay" aria-hidden="true">
            {t('dropFiles')}
          </div>
        )}
      </section>
      {route.threadId !== undefined && <Thread roomId={roomId} parentId={route.threadId} />}
      {route.panel === 'details' && <Details room={room} />}
      {route.panel === 'whiteboards' && <WhiteboardList room={room} />}
    </div>
  );
}

/** Same sender's messages group when they were sent in the same minute (as the time beside them shows). */
function sameMinute(a: string, b: string): boolean {
  return Math.floor(Date.parse(a) / 60_000) === Math.floor(Date.parse(b) / 60_000);
}
