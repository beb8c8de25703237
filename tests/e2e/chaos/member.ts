/**
 * A member of the chaos test's space, as an application would be one: signed in with the SDK, its
 * KMS access through the core's relay, messages sealed before they leave and opened as they arrive
 * on its own event stream. All of the chaos test's client code is here, so it can follow the SDK's
 * API in one place.
 * @module
 */
import { createSession, type Session } from '@flint/sdk';
import { NodeWebSocket } from '@flint/testkit';
import type { Message, StoredEvent } from '@flint/protocol';

export interface Received {
  /** The event's id in the member's stream. */
  eventId: number;
  messageId: string;
  /** The opened text, or `undefined` while it could not be opened (the KMS away): retried at the end. */
  text: string | undefined;
}

export interface ChaosMember {
  personId: string;
  session: Session;
  /** Sends one sealed message; resolves with its id once the core acknowledged it, or throws. */
  send(roomId: string, text: string): Promise<string>;
  /** Every `message.created` the member's stream delivered, in arrival order. */
  received: Received[];
  /** Opens the messages that arrived while their key could not be fetched. */
  openPending(): Promise<void>;
  /** Whether the event stream is connected right now. */
  connected(): boolean;
  stop(): void;
}

export async function joinAs(baseUrl: string, email: string, password: string, options: { signup?: boolean; deviceId: string }): Promise<ChaosMember> {
  const session = createSession({
    baseUrl,
    WebSocket: NodeWebSocket,
    device: { id: options.deviceId },
    kmsTimeoutMs: 5_000,
    // Reconnects come quickly in a test; the default back-off would stretch it.
    maxBackoffMs: 1_000,
    heartbeatMs: 2_000,
  });
  if (options.signup === true) await session.signUp({ email, password, displayName: email.split('@')[0]! });
  else await session.signIn({ email, password });
  const received: Received[] = [];
  const messages = new Map<string, Message>();
  let open = false;
  const tryOpen = async (entry: Received) => {
    try {
      entry.text = (await session.messages.open(messages.get(entry.messageId)!)).text;
    } catch {
      // The key could not be fetched now (KMS unreachable): openPending tries again.
    }
  };
  session.events.onState((state) => (open = state === 'open'));
  session.events.on((event: StoredEvent) => {
    if (event.type !== 'message.created') return;
    const message = event.data as Message;
    messages.set(message.id, message);
    const entry: Received = { eventId: event.id, messageId: message.id, text: undefined };
    received.push(entry);
    void tryOpen(entry);
  });
  await session.events.start();
  return {
    personId: await session.personId(),
    session,
    received,
    async send(roomId, text) {
      return (await session.messages.send({ roomId, text })).id;
    },
    async openPending() {
      for (const entry of received) if (entry.text === undefined) await tryOpen(entry);
    },
    connected: () => open,
    stop() {
      session.close();
    },
  };
}
