import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { csvCell, csvChunks, csvLine, csvList, writeCsv } from './csv-format.ts';

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

test('a list is one cell joined by ; with ; and \\ inside items escaped, and splits back into the same items', async () => {
  const groups = ['Sales; EMEA', 'a\\b', 'plain', 'with space', 'x,y'];
  const joined = csvList(groups);
  assert.equal(joined, 'Sales\\; EMEA;a\\\\b;plain;with space;x,y');
  // What a reader does: split on a ; not escaped, then unescape.
  const items: string[] = [];
  let current = '';
  for (let i = 0; i < joined.length; i += 1) {
    const c = joined[i];
    if (c === '\\') {
      current += joined[i + 1] ?? '';
      i += 1;
    } else if (c === ';') {
      items.push(current);
      current = '';
    } else current += c;
  }
  items.push(current);
  assert.deepEqual(items, groups);
  assert.equal(csvList([]), '');
  // Split into columns, a later item would be a cell of its own: it is neutralised like one.
  assert.equal(csvList(['staff', '@SUM(A1)', '-x', '=1+1']), "staff;'@SUM(A1);'-x;'=1+1");

  const chunks: string[] = [];
  const out = new Writable({ write: (chunk: Buffer, _enc, done) => { chunks.push(chunk.toString()); done(); } });
  await writeCsv([{ name: 'a', groups: ['=HYPERLINK("x")', 'b;c'] }], ['name', 'groups'], out);
  assert.equal(chunks.join(''), `name,groups\r\na,"'=HYPERLINK(""x"");b\\;c"\r\n`, 'a list cell is neutralised and quoted like any cell');
});

test('a ; inside a group name cannot start a formula cell when a spreadsheet splits the list on ;', () => {
  const cell = csvList(['staff', 'x;=HYPERLINK("http://e.vil","go")']);
  assert.equal(cell, "staff;x\\;'=HYPERLINK(\"http://e.vil\",\"go\")");
  for (const piece of cell.split(';')) assert.doesNotMatch(piece, /^[=+\-@\t\r]/);
});

test('csvChunks gives the bytes writeCsv writes, 1,000 rows a chunk, reading rows only as chunks are asked for', async () => {
  let read = 0;
  function* rows(): Generator<{ n: number; name: string }> {
    for (let n = 0; n < 2500; n += 1) {
      read += 1;
      yield { n, name: n === 7 ? '=1+1' : `user${n}` };
    }
  }
  const chunks = csvChunks(rows(), ['n', 'name']);
  const first = chunks.next();
  assert.equal(first.done, false);
  assert.equal(read, 1000, 'the first chunk read 1,000 rows, not all of them');
  const all = [first.value, ...chunks];
  assert.equal(all.length, 3);
  assert.deepEqual(all.map((c) => (c ?? '').split('\r\n').length - 1), [1001, 1000, 500], 'the header rides with the first chunk');

  const written: string[] = [];
  const out = new Writable({ write: (chunk: Buffer, _enc, done) => { written.push(chunk.toString()); done(); } });
  assert.equal(await writeCsv(rows(), ['n', 'name'], out), 2500);
  assert.equal(written.join(''), all.join(''));
  assert.match(written.join(''), /^7,'=1\+1\r$/m);
});
