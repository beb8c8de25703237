/**
 * Mentions as Webex parses them from markdown (SPEC MS-2): `<@personEmail:a@b.com|Name>`,
 * `<@personId:ID|Name>` and `<@all>` (also `<@all|Label>`). The people become `mentionedPeople`,
 * `<@all>` becomes `mentionedGroups: ['all']`, and the plain `text` Webex derives from markdown
 * shows the names.
 * @module
 */

export type MentionTarget = { kind: 'email'; value: string } | { kind: 'id'; value: string };

export interface ParsedMentions {
  people: MentionTarget[];
  all: boolean;
}

const MENTION = /<@(personEmail|personId):([^|>\s]{1,254})(?:\|([^>]{0,256}))?>|<@all(?:\|([^>]{0,256}))?>/g;

export function parseMentions(markdown: string): ParsedMentions {
  const people: MentionTarget[] = [];
  const seen = new Set<string>();
  let all = false;
  for (const m of markdown.matchAll(MENTION)) {
    if (m[1] === undefined) {
      all = true;
      continue;
    }
    const target: MentionTarget = m[1] === 'personEmail' ? { kind: 'email', value: m[2]!.toLowerCase() } : { kind: 'id', value: m[2]! };
    const key = `${target.kind}:${target.value}`;
    if (!seen.has(key)) {
      seen.add(key);
      people.push(target);
    }
  }
  return { people, all };
}

/**
 * The plain text of a markdown message, as Webex derives `text` when only `markdown` is sent:
 * mentions shown by name, emphasis and code marks, links and headings reduced to their words.
 */
export function plainTextOf(markdown: string): string {
  return markdown
    .replace(MENTION, (_m, _kind: string | undefined, value: string | undefined, name: string | undefined, allName: string | undefined) => {
      if (value === undefined) return allName ?? 'All';
      return name ?? value;
    })
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s{0,3}>\s?/gm, '')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(\*|_)(.+?)\1/g, '$2')
    .replace(/~~(.+?)~~/g, '$1')
    .replace(/```[a-z]*\n?([\s\S]*?)```/g, '$1')
    .replace(/`([^`]+)`/g, '$1');
}
