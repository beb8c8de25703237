/**
 * The signed-in person's voicemail in this tab (SPEC CL-3): the mailbox (at most
 * `VOICEMAIL_LIMITS.mailboxMessages`, so loaded whole), kept current by the `voicemail.*` events of
 * every device, which is what the navigation's message-waiting badge counts; playback decrypted
 * here; and voicemail to e-mail, which this tab sends for a new message when the opt-in is on
 * (the SDK claims it first, so of several open devices one sends it; docs/voicemail.md).
 * @module
 */
import type { StoredEvent, Voicemail, VoicemailSettings } from '@flint/protocol';
import type { VoicemailAudio } from '@flint/sdk';
import { logError } from './client-log.ts';
import type { Session } from './session.ts';

interface Host {
  readonly session: Session;
  changed(): void;
  fail(error: unknown): void;
}

export class VoicemailInbox {
  /** Newest first; undefined until loaded. */
  items: Voicemail[] | undefined;
  settings: VoicemailSettings | undefined;
  /** Messages whose e-mail copy this tab handed to the key server, for a line in the view. */
  emailed = new Set<string>();

  constructor(private readonly host: Host) {}

  private get sdk() {
    return this.host.session.sdk.voicemail;
  }

  /** The message-waiting indicator's count. */
  get unread(): number {
    return this.items?.filter((v) => !v.read).length ?? 0;
  }

  async load(): Promise<void> {
    const [items, settings] = await Promise.all([this.sdk.list(), this.sdk.settings()]);
    this.items = items;
    this.settings = settings;
    this.host.changed();
  }

  /** A `voicemail.*` event (the store hands over only those). */
  apply(event: StoredEvent): void {
    const items = this.items ?? [];
    if (event.type === 'voicemail.created') {
      const message = event.data as Voicemail;
      this.items = [message, ...items.filter((v) => v.id !== message.id)];
      // The core's claim decides (the opt-in may have been turned on at another device since this
      // tab loaded its settings): one device, once, and only with the opt-in on.
      void this.sendEmailCopy(message);
    } else if (event.type === 'voicemail.updated') {
      const message = event.data as Voicemail;
      this.items = items.map((v) => (v.id === message.id ? message : v));
    } else if (event.type === 'voicemail.deleted') {
      const { id } = event.data as { id: string };
      this.items = items.filter((v) => v.id !== id);
    } else {
      return;
    }
    this.host.changed();
  }

  private async sendEmailCopy(message: Voicemail): Promise<void> {
    try {
      if (await this.sdk.sendEmailCopy(message)) {
        this.emailed.add(message.id);
        this.host.changed();
      }
    } catch (error) {
      logError(error);
    }
  }

  audio(message: Voicemail): Promise<VoicemailAudio> {
    return this.sdk.audio(message);
  }

  async setRead(message: Voicemail, read: boolean): Promise<void> {
    const updated = read ? await this.sdk.markRead(message.id) : await this.sdk.markUnread(message.id);
    this.items = (this.items ?? []).map((v) => (v.id === updated.id ? updated : v));
    this.host.changed();
  }

  async delete(message: Voicemail): Promise<void> {
    await this.sdk.delete(message.id);
    this.items = (this.items ?? []).filter((v) => v.id !== message.id);
    this.host.changed();
  }

  async setEmailCopy(on: boolean): Promise<void> {
    this.settings = await this.sdk.setEmailCopy(on);
    this.host.changed();
  }

  async setPin(pin: string, currentPin?: string): Promise<void> {
    this.settings = await this.sdk.setPin(pin, currentPin);
    this.host.changed();
  }
}
