/**
 * "Call" and "Video call" (SPEC CL-1): in a direct space's header and on a person. They place the
 * call from this tab (its endpoint), with a media key bound to the two people's direct space.
 * Disabled while this tab is in a call; replaced by a note where the browser cannot encrypt media.
 * @module
 */
import { useState } from 'react';
import type { CallMedia } from '@flint/protocol';
import { useI18n } from '../../i18n/index.tsx';
import { mediaEncryptionSupported } from '../../app/meeting-call.ts';
import { useAppStore } from '../store-context.ts';

export function CallButtons({ personId, name, roomId }: { personId: string; name: string; roomId?: string }) {
  const { t } = useI18n();
  const store = useAppStore();
  const [placing, setPlacing] = useState(false);
  if (personId === store.me) return null;
  if (!mediaEncryptionSupported()) return <span className="muted small meeting-note">{t('callUnsupported')}</span>;
  const busy = placing || store.phone.current !== undefined;
  const dial = (media: CallMedia) => {
    setPlacing(true);
    store.phone
      .dial(personId, media, roomId)
      .catch((e: unknown) => store.fail(e))
      .finally(() => setPlacing(false));
  };
  return (
    <>
      <button type="button" className="button small call-audio" disabled={busy} aria-label={t('callAudioWith', { name })} onClick={() => dial('audio')}>
        {t('callAudio')}
      </button>
      <button type="button" className="button small call-video" disabled={busy} aria-label={t('callVideoWith', { name })} onClick={() => dial('video')}>
        {t('callVideo')}
      </button>
    </>
  );
}
