/**
 * One system line in a timeline: who added or removed whom, who joined or left, who renamed the
 * space (app/notices.ts), with its time.
 * @module
 */
import type { Notice } from '../app/notices.ts';
import { useI18n } from '../i18n/index.tsx';
import { useAppStore } from './store-context.ts';

export function SystemLine({ notice }: { notice: Notice }) {
  const { t, time } = useI18n();
  const store = useAppStore();
  const text = (() => {
    switch (notice.kind) {
      case 'added':
        return t('noticeAdded', { actor: store.nameOf(notice.actorId), person: notice.personName });
      case 'removed':
        return t('noticeRemoved', { actor: store.nameOf(notice.actorId), person: notice.personName });
      case 'joined':
        return t('noticeJoined', { person: notice.personName });
      case 'left':
        return t('noticeLeft', { person: notice.personName });
      case 'renamed':
        return t('noticeRenamed', { actor: store.nameOf(notice.actorId), title: notice.title });
    }
  })();
  return (
    <p className="system-line small muted" data-notice={notice.kind}>
      {text} · <time dateTime={notice.at}>{time(notice.at)}</time>
    </p>
  );
}
