/**
 * A message's emoji reactions (issue 16): one chip per emoji with its count, pressed when one of
 * them is mine (pressing it removes mine, pressing another adds mine), and who reacted in a tooltip
 * that shows on hover and on keyboard focus (and is the chip's description for screen readers).
 * The emoji were opened by the SDK; one that could not be is left out.
 * @module
 */
import { useId, useState } from 'react';
import type { SecureMessage } from '@flint/sdk';
import { useI18n } from '../i18n/index.tsx';
import { useAppStore } from './store-context.ts';
import { EmojiPicker } from './EmojiPicker.tsx';
import { Icon } from './Icon.tsx';

interface Chip {
  emoji: string;
  people: string[];
  mine: boolean;
}

/** Reactions grouped by emoji, in the order each emoji was first used; each person once per emoji. */
export function groupReactions(reactions: readonly { emoji?: string; personId: string }[], me: string): Chip[] {
  const chips = new Map<string, Chip>();
  for (const r of reactions) {
    if (r.emoji === undefined) continue;
    const chip = chips.get(r.emoji) ?? { emoji: r.emoji, people: [], mine: false };
    if (!chip.people.includes(r.personId)) chip.people.push(r.personId);
    if (r.personId === me) chip.mine = true;
    chips.set(r.emoji, chip);
  }
  return [...chips.values()];
}

export function ReactionBar({ message }: { message: SecureMessage }) {
  const { t, plural, list } = useI18n();
  const store = useAppStore();
  const [picking, setPicking] = useState(false);
  const id = useId();
  const chips = groupReactions(store.reactions.get(message.id) ?? [], store.me);
  if (chips.length === 0) return null;
  const toggle = (emoji: string) => void store.toggleReaction(message, emoji).catch((e: unknown) => store.fail(e));
  return (
    <div className="reactions" role="group" aria-label={t('reactions')}>
      {chips.map((chip, i) => {
        const names = chip.people.map((p) => store.nameOf(p));
        return (
          <span key={chip.emoji} className="reaction-wrap">
            <button type="button" className={`reaction ${chip.mine ? 'mine' : ''}`} aria-pressed={chip.mine} aria-describedby={`${id}-${i}`} onClick={() => toggle(chip.emoji)}>
              <span className="reaction-emoji">{chip.emoji}</span>
              <span className="reaction-count">{chip.people.length}</span>
            </button>
            <span role="tooltip" id={`${id}-${i}`} className="reaction-tip">
              {plural('reactedWith', names.length, { names: list(names), emoji: chip.emoji })}
            </span>
          </span>
        );
      })}
      <button type="button" className="reaction add-reaction" aria-label={t('react')} title={t('react')} onClick={() => setPicking(true)}>
        <Icon name="smile" />
      </button>
      {picking && (
        <EmojiPicker
          title={t('chooseEmoji')}
          onClose={() => setPicking(false)}
          onPick={(emoji) => {
            setPicking(false);
            toggle(emoji);
          }}
        />
      )}
    </div>
  );
}
