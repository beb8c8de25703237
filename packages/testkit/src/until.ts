/**
 * Polls `check` every 50 ms until it answers something other than `undefined`, and answers that;
 * throws after `ms`. For what happens on another device after an event reaches it (an admission,
 * a routed expert), which a test can only observe.
 * @module
 */
export async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
