/**
 * The tab's icon with a red dot while any space has unread messages (beside the count in the title,
 * ui/TabTitle.tsx): the app's icon drawn on a canvas with the dot, given to the browser as a `blob:`
 * URL (the CSP's img-src allows blob:, never data:). Renders nothing.
 * @module
 */
import { useEffect } from 'react';
import { useAppStore } from './store-context.ts';

const SIZE = 64;

function iconLink(): HTMLLinkElement | null {
  return document.querySelector<HTMLLinkElement>('link[rel="icon"]');
}

export function FaviconBadge() {
  const store = useAppStore();
  let unread = false;
  for (const room of store.rooms.values()) if ((room.unreadCount ?? 0) > 0) unread = true;

  useEffect(() => {
    const link = iconLink();
    if (link === null || !unread) return;
    const original = { href: link.getAttribute('href') ?? '', type: link.type };
    let url: string | undefined;
    let live = true;
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = SIZE;
      canvas.height = SIZE;
      const ctx = canvas.getContext('2d');
      if (ctx === null || !live) return;
      ctx.drawImage(image, 0, 0, SIZE, SIZE);
      ctx.beginPath();
      ctx.arc(SIZE - 14, 14, 13, 0, 2 * Math.PI);
      ctx.fillStyle = '#d92d20';
      ctx.fill();
      ctx.lineWidth = 3;
      ctx.strokeStyle = '#ffffff';
      ctx.stroke();
      canvas.toBlob((blob) => {
        if (blob === null || !live) return;
        url = URL.createObjectURL(blob);
        link.type = 'image/png';
        link.href = url;
      }, 'image/png');
    };
    image.src = original.href;
    return () => {
      live = false;
      link.setAttribute('href', original.href);
      link.type = original.type;
      // Revoked a little later: the browser may still be fetching this icon, and revoking it at once
      // made that fetch fail ("ERR_FILE_NOT_FOUND" in the console) when the count changed quickly.
      const old = url;
      if (old !== undefined) setTimeout(() => URL.revokeObjectURL(old), 10_000);
    };
  }, [unread]);
  return null;
}
