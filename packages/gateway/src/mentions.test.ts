import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMentions, plainTextOf } from './mentions.ts';

describe('markdown mentions (PL-2, MS-2)', () => {
  it('finds people by e-mail and by id, and <@all>', () => {
    const md = 'Hi <@personEmail:Bob@Example.com|Bob> and <@personId:Y2lzY29zcGFyazovL3VzL1BFT1BMRS8x|Cy>, <@all>! Again <@personEmail:bob@example.com|Bobby>';
    const parsed = parseMentions(md);
    assert.deepEqual(parsed.people, [
      { kind: 'email', value: 'bob@example.com' },
      { kind: 'id', value: 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS8x' },
    ]);
    assert.equal(parsed.all, true);
  });

  it('derives plain text with the names shown', () => {
    assert.equal(plainTextOf('**Hi** <@personEmail:bob@example.com|Bob>, see [the doc](http://x) and `code` <@all>'), 'Hi Bob, see the doc and code All');
    assert.deepEqual(parseMentions('no mentions <@nobody> here'), { people: [], all: false });
  });
});
