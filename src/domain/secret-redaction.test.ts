import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { looksSecret, redactSecrets, redactUrl } from './secret-redaction.ts';

describe('redactUrl', () => {
  const table: [string, string][] = [
    ['postgres://seatkeeper:s3cret@db.example.com:5432/seatkeeper', 'postgres://seatkeeper:***@db.example.com:5432/seatkeeper'],
    // An empty user name still has a password (libpq and pg accept it).
    ['postgres://:s3cret@db.example.com/seatkeeper', 'postgres://:***@db.example.com/seatkeeper'],
    ['postgresql://u:p%40ss@h/db', 'postgresql://u:***@h/db'],
    ['mysql://root:hunter2@127.0.0.1:3306/confluence', 'mysql://root:***@127.0.0.1:3306/confluence'],
    ['mariadb://confluence:pw@db/confluence?ssl=true', 'mariadb://confluence:***@db/confluence?ssl=true'],
    ['smtps://mailer:pw@mail.example.com:465', 'smtps://mailer:***@mail.example.com:465'],
    ['ldaps://cn=admin:pw@ldap.example.com/dc=example', 'ldaps://cn=admin:***@ldap.example.com/dc=example'],
    // An '@' in the password: the last '@' ends the user info.
    ['postgres://u:p@ss@host/db', 'postgres://u:***@host/db'],
    // An unencoded '/' or '#' in the password breaks the URL; the password still does not show.
    ['postgres://u:pa/ss@host/db', 'postgres://u:***@host/db'],
    ['https://u:pa#ss@host/x', 'https://u:***@host/x'],
    ['postgres://db.example.com/seatkeeper?password=s3cret&sslmode=require', 'postgres://db.example.com/seatkeeper?password=***&sslmode=require'],
    ['https://wiki.example.com/rest/api/user?token=abc123&start=0', 'https://wiki.example.com/rest/api/user?token=***&start=0'],
    ['https://dir.example.com/users?access_token=abc&ACCESS_TOKEN=def', 'https://dir.example.com/users?access_token=***&ACCESS_TOKEN=***'],
    ['https://s3.example.com/o?X-Amz-Credential=AK%2F1&X-Amz-Signature=ff&X-Amz-Date=1', 'https://s3.example.com/o?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Date=1'],
    ['https://h/p?api_key=1;apikey=2;Key=3;pwd=4;pass=5;sig=6;client_secret=7', 'https://h/p?api_key=***;apikey=***;Key=***;pwd=***;pass=***;sig=***;client_secret=***'],
    ['https://app.example.com/cb#access_token=abc&state=1', 'https://app.example.com/cb#access_token=***&state=1'],
    // Nothing secret: unchanged, down to the letter (no normalisation by a URL parser).
    ['https://Wiki.Example.com:8443/display/SPACE/Page+Title?start=0&limit=200', 'https://Wiki.Example.com:8443/display/SPACE/Page+Title?start=0&limit=200'],
    ['https://host:8080/users/ada@example.com', 'https://host:8080/users/ada@example.com'],
    ['postgres://postgres@127.0.0.1:5432/test', 'postgres://postgres@127.0.0.1:5432/test'],
    ['https://h/p?token=', 'https://h/p?token='],
    ['not a url', 'not a url'],
  ];
  for (const [input, expected] of table) {
    it(input, () => assert.equal(redactUrl(input), expected));
  }
});

describe('redactSecrets in free text', () => {
  const table: [string, string][] = [
    [
      'Could not open the store (postgres://:s3cret@db/x): connect ECONNREFUSED',
      'Could not open the store (postgres://:***@db/x): connect ECONNREFUSED',
    ],
    ['GET https://wiki/rest?token=abc. Then', 'GET https://wiki/rest?token=***. Then'],
    ['two: mysql://a:one@h/d and smtp://b:two@m:25', 'two: mysql://a:***@h/d and smtp://b:***@m:25'],
    ["host=db port=5432 user=seatkeeper password=s3cret dbname=sk", 'host=db port=5432 user=seatkeeper password=*** dbname=sk'],
    ["host=db password='s3 cret' dbname=sk", 'host=db password=*** dbname=sk'],
    ['Server=db;User Id=sk;Password=s3cret;Database=sk', 'Server=db;User Id=sk;Password=***;Database=sk'],
    ['{"username":"ada","password":"s3cret","token":"t"}', '{"username":"ada","password":"***","token":"***"}'],
    ['Authorization: Bearer eyJhbGciOi.abc.def', 'Authorization: Bearer ***'],
    ['authorization=Basic YWRhOnMzY3JldA==', 'authorization=Basic ***'],
    ['sent Bearer NjM0OTk0MzI2NTkyOkFiQ2Q and failed', 'sent Bearer *** and failed'],
    ['header Basic YWRhOnMzY3JldA== was refused', 'header Basic *** was refused'],
    // Prose that merely mentions the schemes stays readable.
    ['Basic authentication is disabled; a Bearer token is needed', 'Basic authentication is disabled; a Bearer token is needed'],
    ['password authentication failed for user "seatkeeper"', 'password authentication failed for user "seatkeeper"'],
    ['inactiveDays=180 removeGroups=license', 'inactiveDays=180 removeGroups=license'],
  ];
  for (const [input, expected] of table) {
    it(input, () => assert.equal(redactSecrets(input), expected));
  }

  it('no password placed in a connection URL shows in the redacted text', () => {
    const password = fc.string({ minLength: 1, maxLength: 20 }).filter((p) => /^[A-Za-z0-9!$%*+,;=~^|-]+$/.test(p) && p !== '***');
    fc.assert(
      fc.property(fc.constantFrom('postgres', 'mysql', 'https', 'smtp', 'ldap'), fc.constantFrom('', 'user'), password, (scheme, user, secret) => {
        const text = `failed: ${scheme}://${user}:${secret}@host.example:1/db and more`;
        const shown = redactSecrets(text);
        assert.equal(shown, `failed: ${scheme}://${user}:***@host.example:1/db and more`);
      }),
    );
  });
});

describe('looksSecret', () => {
  for (const name of ['password', 'PASSWD', 'pwd', 'pass', 'secret', 'token', 'access_token', 'api_key', 'apikey', 'key', 'auth', 'signature', 'sig', 'credential', 'X-Amz-Security-Token', 'client_secret', 'pass%77ord']) {
    it(`${name} is secret`, () => assert.equal(looksSecret(name), true));
  }
  for (const name of ['user', 'host', 'start', 'limit', 'sslmode', 'author', 'keepAccessUrl', 'monkey', 'passenger']) {
    it(`${name} is not`, () => assert.equal(looksSecret(name), false));
  }
});
