/**
 * The browser tab's title counts the unread messages of every space ("(3) Flint"), so a person in
 * another tab sees that something arrived, as in Slack or Webex (the icon's dot: ui/FaviconBadge.tsx).
 * Renders nothing.
 * @module
 */
import { useEffect } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { useAppStore } from './store-context.ts';

export function TabTitle() {
  const { t } = useI18n();
  const store = useAppStore();
  let unread = 0;
  for (const room of store.rooms.values()) unread += room.unreadCount ?? 0;
  const title = unread > 0 ? t('tabTitleUnread', { count: unread, app: t('appName') }) : t('appName');
  useEffect(() => {
    document.title = title;
  }, [title]);
  useEffect(
    () => () => {
      document.title = t('appName');
    },
    [t],
  );
  return null;
}
