import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, csvLine } from './csv-format.ts';

test('CSV cells: RFC 4180 quoting and neutralised formulas', async (t) => {
  const cases: Array<[string | number | null, string]> = [
    ['plain', 'plain'],
    ['with,comma', '"with,comma"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tlead', "'\tlead"],
    [-5, '-5'],
    [null, ''],
    ['', ''],
  ];
  for (const [input, expected] of cases) {
    await t.test(JSON.stringify(input), () => assert.equal(csvCell(input), expected));
  }
  assert.equal(csvLine(['a', 1, null, 'b,c']), 'a,1,,"b,c"\r\n');
});
