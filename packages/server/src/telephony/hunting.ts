/**
 * Which hunt-group agents ring, in which order (SPEC CL-4): pure, no I/O. A call rings in *waves*:
 * every agent of a wave at once, the next wave after the no-answer rings. Only logged-in,
 * available agents ring. The policies are Webex's:
 * - SIMULTANEOUS: one wave of everyone;
 * - REGULAR: from the top of the list, one by one;
 * - CIRCULAR: one by one, starting after the agent offered the previous call;
 * - UNIFORM: the longest idle first (never called counts as idle the longest);
 * - WEIGHTED: one by one in a random order where an agent's chance to come first is its weight's share.
 * Without no-answer advance, only the first wave rings before the overflow.
 * @module
 */
import type { HuntPolicy } from '@flint/protocol';

export interface AgentState {
  personId: string;
  /** The agent's place in the group's list, from 0. */
  position: number;
  weight: number;
  loggedIn: boolean;
  /** When the agent's last call ended (ms); null: never called. */
  idleSince: number | null;
  /** Not busy on another call, not on do not disturb (the caller of this function decides). */
  available: boolean;
}

export interface HuntPlan {
  waves: string[][];
  /** CIRCULAR: the position the next call starts after this one (to store). */
  nextCircular: number;
}

/**
 * The waves for one call. `random` returns a number in [0, 1) (Math.random in production, a
 * seeded sequence in tests).
 */
export function huntWaves(
  policy: HuntPolicy,
  agents: readonly AgentState[],
  options: { circularNext: number; advance: boolean; random: () => number },
): HuntPlan {
  const ready = agents.filter((a) => a.loggedIn && a.available).sort((a, b) => a.position - b.position);
  let order: AgentState[];
  let nextCircular = options.circularNext;
  switch (policy) {
    case 'SIMULTANEOUS':
      return { waves: ready.length === 0 ? [] : [ready.map((a) => a.personId)], nextCircular };
    case 'REGULAR':
      order = ready;
      break;
    case 'CIRCULAR': {
      const start = ready.findIndex((a) => a.position >= options.circularNext);
      order = start <= 0 ? ready : [...ready.slice(start), ...ready.slice(0, start)];
      if (order[0] !== undefined) nextCircular = order[0].position + 1;
      break;
    }
    case 'UNIFORM':
      order = [...ready].sort((a, b) => (a.idleSince ?? -Infinity) - (b.idleSince ?? -Infinity) || a.position - b.position);
      break;
    case 'WEIGHTED': {
      // Weighted sampling without replacement; weight 0 agents never ring by weight.
      const pool = ready.filter((a) => a.weight > 0);
      order = [];
      while (pool.length > 0) {
        const total = pool.reduce((s, a) => s + a.weight, 0);
        let pick = options.random() * total;
        let i = 0;
        for (; i < pool.length - 1; i++) {
          pick -= pool[i]!.weight;
          if (pick < 0) break;
        }
        order.push(pool.splice(i, 1)[0]!);
      }
      break;
    }
  }
  const waves = order.map((a) => [a.personId]);
  return { waves: options.advance ? waves : waves.slice(0, 1), nextCircular };
}
