import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkCatalogue, escapeControl, quote, quoteList, worstVerdict, type CheckVerdict } from './instance-check.ts';

describe('checkCatalogue', () => {
  it('keeps the ids in report order and gives each row its title', () => {
    const catalogue = checkCatalogue([['b-row', 'second title'], ['a-row', 'first title']]);
    assert.deepEqual(catalogue.ids, ['b-row', 'a-row']);
    assert.deepEqual(catalogue.row('a-row', 'warn', 'saw'), { id: 'a-row', title: 'first title', verdict: 'warn', saw: 'saw' });
  });
});

describe('worstVerdict', () => {
  const checkRow = checkCatalogue([['writes', 'writes']]).row;
  const table: [CheckVerdict[], string][] = [
    [[], 'pass'],
    [['pass', 'skip'], 'pass'],
    [['skip', 'skip'], 'pass'],
    [['pass', 'warn', 'skip'], 'warn'],
    [['warn', 'fail', 'pass'], 'fail'],
  ];
  for (const [verdicts, expected] of table) {
    it(`${verdicts.join(', ') || '(none)'} → ${expected}`, () => {
      assert.equal(worstVerdict(verdicts.map((verdict) => checkRow('writes', verdict, ''))), expected);
    });
  }
});

describe('escapeControl and quote', () => {
  it('shows control, C1 and bidi characters as escapes and keeps everything else', () => {
    assert.equal(escapeControl('a\u001b[2Jb\u0085c\u202ed\u2066e é ü 漢'), 'a\\u001b[2Jb\\u0085c\\u202ed\\u2066e é ü 漢');
    assert.equal(escapeControl('line\nbreak\ttab'), 'line\\u000abreak\\u0009tab');
  });

  it('quotes and cuts long values', () => {
    assert.equal(quote('abc'), '"abc"');
    assert.equal(quote('abcdef', 3), '"abc…"');
    assert.equal(quoteList(['a', 'b', 'c'], 2), '"a", "b" and 1 more');
  });
});
