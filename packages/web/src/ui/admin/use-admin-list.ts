/**
 * What every list page of the console does: load the list, and run an action that answers a
 * notice to show, then reload. Failures go to the app's error banner (store.fail).
 * @module
 */
import { useCallback, useEffect, useState } from 'react';
import type { FlintClient } from '@flint/sdk';
import { useAppStore } from '../store-context.ts';

export function useAdminList<T>(fetch: (client: FlintClient) => Promise<T[]>, afterAction?: () => void) {
  const store = useAppStore();
  const { client } = store.session;
  const [items, setItems] = useState<T[]>([]);
  const [notice, setNotice] = useState<string | undefined>();
  const load = useCallback(() => void fetch(client).then(setItems, (e: unknown) => store.fail(e)), [client, store, fetch]);
  useEffect(load, [load]);
  const act = async (work: () => Promise<string>) => {
    setNotice(undefined);
    try {
      setNotice(await work());
      load();
      afterAction?.();
    } catch (error) {
      store.fail(error);
    }
  };
  return { client, items, notice, act };
}
