import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeControl, escapeJsonText, escapeLine, escapeText } from './text-escape.ts';

// eslint-disable-next-line no-control-regex
const STEERING = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('terminal escaping', () => {
  it('a line: ESC, CR, LF, C1, DEL and every bidi control are shown; tabs and letters of any script stay', () => {
    assert.equal(
      escapeLine('a\u001b[2K\rb\nc\u009bd\u007fe\u061cf\u200eg\u200fh\u202ai\u202ej\u2066k\u2069l\tm é 漢 ش'),
      'a\\u001b[2K\\u000db\\u000ac\\u009bd\\u007fe\\u061cf\\u200eg\\u200fh\\u202ai\\u202ej\\u2066k\\u2069l\tm é 漢 ش',
    );
  });

  it('several lines keep their newlines; escapeControl escapes them too', () => {
    assert.equal(escapeText('one\u202e\ntwo\r\n'), 'one\\u202e\ntwo\\u000d\n');
    assert.equal(escapeControl('one\ttwo\n'), 'one\\u0009two\\u000a');
  });

  it('JSON text keeps its value exactly, with no bidi, C1 or DEL character left raw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, text) => {
        const json = escapeJsonText(JSON.stringify({ value, text }, null, 2));
        assert.deepEqual(JSON.parse(json), JSON.parse(JSON.stringify({ value, text })));
        assert.doesNotMatch(json.replaceAll('\n', ''), STEERING);
      }),
    );
  });
});
