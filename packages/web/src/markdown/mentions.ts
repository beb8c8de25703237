/**
 * Mentions in message Markdown: `@Name` in a draft becomes `[@Name](mention:<personId>)`, which
 * the renderer shows as a chip (and other clients as a plain link text).
 * @module
 */
/** `@Name` mentions in a draft become `[@Name](mention:id)` links in the Markdown sent. */
export function encodeMentions(text: string, mentions: ReadonlyMap<string, string>): { markdown: string; ids: string[]; all: boolean } {
  let markdown = text;
  const ids = new Set<string>();
  let all = false;
  // Longest names first, so "@Ada Lovelace" wins over "@Ada".
  for (const [name, id] of [...mentions].sort((a, b) => b[0].length - a[0].length)) {
    const token = `@${name}`;
    if (!markdown.includes(token)) continue;
    markdown = markdown.split(token).join(`[@${escapeLinkText(name)}](mention:${id})`);
    if (id === 'all') all = true;
    else ids.add(id);
  }
  return { markdown, ids: [...ids], all };
}

/** The reverse of `encodeMentions`, for editing a sent message. */
export function decodeMentions(markdown: string): { text: string; mentions: Map<string, string> } {
  const mentions = new Map<string, string>();
  const text = markdown.replace(/\[@((?:\\.|[^\]\\])+)\]\(mention:([A-Za-z0-9-]{1,64})\)/g, (_, name: string, id: string) => {
    const plain = name.replace(/\\(.)/g, '$1');
    mentions.set(plain, id);
    return `@${plain}`;
  });
  return { text, mentions };
}

function escapeLinkText(text: string): string {
  return text.replace(/([\\[\]])/g, '\\$1');
}

/** Plain text of Markdown for notifications, previews and the `text` field other clients show. */
export function plainText(markdown: string): string {
  return decodeMentions(markdown).text;
}
