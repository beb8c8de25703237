/**
 * The chat CLI's one error type: a kind for the exit code and a sentence for the person. SDK errors
 * (`FlintError`) are turned into it at the command's edge (`commands/chat.ts`).
 * @module
 */
export type ChatErrorKind = 'usage' | 'signed-out' | 'unsafe' | 'not-found' | 'ambiguous' | 'refused' | 'network' | 'integrity';

export class ChatError extends Error {
  constructor(
    readonly kind: ChatErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ChatError';
  }

  /** 2 for what the person typed, 3 for sign-in, 1 for the rest (as `flint serve`'s config errors use 2). */
  get exitCode(): number {
    if (this.kind === 'usage' || this.kind === 'not-found' || this.kind === 'ambiguous') return 2;
    if (this.kind === 'signed-out' || this.kind === 'unsafe') return 3;
    return 1;
  }
}
