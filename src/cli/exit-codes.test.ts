import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeFailure, EXIT } from './exit-codes.ts';
import { ConnectorError } from '../app/connector-error.ts';
import { InvalidInput } from '../domain/errors.ts';
import { openStore } from '../store/store-database.ts';

// Every character that could steer a terminal; none may reach it raw.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('describeFailure redacts secrets', () => {
  it('a pg driver error for a URL with a password: the lines name the store, never the password', async () => {
    const failure = await openStore('postgres://u:secret@127.0.0.1:1/db').then(
      async (store) => {
        await store.close();
        return null;
      },
      (error: unknown) => describeFailure(error),
    );
    assert.ok(failure !== null, 'nothing listens on port 1');
    const { code, lines } = failure;
    assert.equal(code, EXIT.failures);
    assert.match(lines[0] ?? '', /Could not open the store \(PostgreSQL at 127\.0\.0\.1:1\/db\)/);
    assert.match(lines.join('\n'), /caused by: .*ECONNREFUSED/);
    assert.equal(lines.join('\n').includes('secret'), false, lines.join('\n'));
  });

  it('a driver message that quotes the connection string, in the error and down its cause chain', () => {
    const driver = new Error('connection to postgres://:s3cret@db:5432/sk failed: host=db password=hunter2 sslmode=require');
    const wrapped = new Error('Could not open the store (postgres://seatkeeper:pw@db/sk)', { cause: new Error('retry gave up', { cause: driver }) });
    const text = describeFailure(wrapped).lines.join('\n');
    for (const secret of ['s3cret', 'hunter2', ':pw@']) assert.equal(text.includes(secret), false, `${secret} in ${text}`);
    assert.match(text, /^unexpected error: Error: Could not open the store \(postgres:\/\/seatkeeper:\*\*\*@db\/sk\)$/m);
    assert.match(text, /^ {2}caused by: Error: retry gave up$/m);
    assert.match(text, /^ {2}caused by: Error: connection to postgres:\/\/:\*\*\*@db:5432\/sk failed: host=db password=\*\*\* sslmode=require$/m);
  });

  it('a connector error whose target or message carries a token or a Basic credential', () => {
    const error = new ConnectorError('GET https://hr.example.com/people?access_token=abc123&page=2 sent Authorization: Basic YWRhOnMzY3JldA==', {
      target: 'hr https://svc:pw@hr.example.com',
      fixable: true,
    });
    assert.deepEqual(describeFailure(error), {
      code: EXIT.badInput,
      lines: ['hr https://svc:***@hr.example.com: GET https://hr.example.com/people?access_token=***&page=2 sent Authorization: Basic ***', 'Nothing was written.'],
    });
  });

  it('a cause chain that loops ends', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    const lines = describeFailure(a).lines.filter((line) => line.includes('caused by'));
    assert.deepEqual(lines, ['  caused by: Error: b']);
  });
});

describe('describeFailure escapes what a terminal would obey', () => {
  it('ESC, CR, a newline and bidi controls in a message become visible escapes; the line stays one line', () => {
    const error = new ConnectorError('group "x\u001b[2K\rNothing was changed.\nfake\u202eline" refused', { target: 'wiki' });
    const { lines } = describeFailure(error);
    assert.deepEqual(lines, ['wiki: group "x\\u001b[2K\\u000dNothing was changed.\\u000afake\\u202eline" refused']);
    for (const line of lines) assert.doesNotMatch(line, RAW_CONTROL);
  });

  it('InvalidInput without problems is one line, with no dangling colon', () => {
    assert.deepEqual(describeFailure(new InvalidInput('the store at /x cannot be read')), { code: EXIT.badInput, lines: ['the store at /x cannot be read'] });
  });
});
