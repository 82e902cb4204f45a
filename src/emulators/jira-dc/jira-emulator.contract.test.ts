/**
 * The Jira emulator against Atlassian's Jira Software DC 10.3.24 OpenAPI ([S50]): every route it serves is
 * in the spec with that method and success status, every query parameter it reads is declared (or listed
 * with its reason in the route's `extraQuery`), and the bodies it sends validate against the spec's schemas.
 * Where the generated spec names the wrong schema, the exception is listed below and the body is validated
 * against the right one; where a schema is empty, the documented fields are asserted by hand.
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import { startJiraEmulator, type RunningJiraEmulator } from './jira-emulator.ts';
import { generateJiraOrganisation, JIRA_INTERNAL_DIRECTORY } from './jira-org-generator.ts';
import { callEmulator, type EmulatorReply } from '../../../test/support/emulator-test-client.ts';
import { JIRA_ROUTES } from './jira-routes.ts';

const SPEC_URL = new URL('../../../specs/jira-software-dc-10.3-openapi.json', import.meta.url);
const SPEC_SHA256 = 'f326fbc98de4d5212a4becbe330aeecf778d56297bf08e1df6ee999c10fd6449';
const SPEC_ID = 'https://seatkeeper.invalid/jira-software-dc-10.3.json';

/** Where the generated spec's 200 schema is not what Jira sends: the schema the body is checked against instead. */
const WRONG_SCHEMAS: Record<string, { schema: string; array?: boolean; values?: string; why: string }> = {
  'GET /rest/api/2/user/search': { schema: 'UserJsonBean', array: true, why: 'the description says "Returns a list of users"; the schema names one UserBean' },
  'GET /rest/api/2/applicationrole': { schema: 'ApplicationRoleBean', array: true, why: '"Get all application roles" returns a list; the schema names one bean' },
  'GET /rest/api/2/group/member': { schema: 'PageBean', values: 'UserJsonBean', why: '"Returns a paginated list of users"; the schema names one UserJsonBean' },
};
/** Error statuses the emulator may send that an operation does not declare (bodies are ErrorCollections). */
const UNDECLARED_ERRORS = [400, 401, 403, 404, 429, 500, 503];

interface Operation {
  parameters?: { name: string; in: string }[];
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
const spec = JSON.parse(readFileSync(SPEC_URL, 'utf8')) as { paths: Record<string, Record<string, Operation>>; components: unknown };
const specPath = (template: string): string => template.replace(/^\/rest/, '');

function validators(): { response: (id: string, status: number) => ValidateFunction | null; schema: (name: string) => ValidateFunction } {
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: SPEC_ID, components: spec.components, paths: spec.paths });
  const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  const schema = (name: string) => ajv.compile({ $ref: `${SPEC_ID}#/components/schemas/${name}` });
  return {
    schema,
    response: (id, status) => {
      const [method = '', template = ''] = id.split(' ');
      const wrong = WRONG_SCHEMAS[id];
      if (wrong !== undefined && status === 200) {
        const item = schema(wrong.schema);
        if (wrong.array === true) return ajv.compile({ type: 'array', items: { $ref: `${SPEC_ID}#/components/schemas/${wrong.schema}` } });
        if (wrong.values !== undefined) {
          return ajv.compile({ allOf: [{ $ref: `${SPEC_ID}#/components/schemas/${wrong.schema}` },
            { type: 'object', properties: { values: { type: 'array', items: { $ref: `${SPEC_ID}#/components/schemas/${wrong.values}` } } } }] });
        }
        return item;
      }
      const path = specPath(template);
      const found = spec.paths[path]?.[method.toLowerCase()]?.responses?.[String(status)]?.content?.['application/json']?.schema;
      if (found === undefined) return null;
      return ajv.compile({ $ref: `${SPEC_ID}#/${pointer('paths', path, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema')}` });
    },
  };
}

describe('contract: Jira Software DC 10.3.24 OpenAPI', () => {
  test('the spec file is the vendor\'s, unedited', () => {
    assert.equal(createHash('sha256').update(readFileSync(SPEC_URL)).digest('hex'), SPEC_SHA256);
  });

  let jira: RunningJiraEmulator;
  const org = generateJiraOrganisation({ seed: 1003, users: 200, now: new Date('2026-01-15T12:00:00Z') });
  before(async () => {
    jira = await startJiraEmulator({ org });
  });
  after(() => jira.close());

  test('every served (method, path) is in the spec with that method and the success status the emulator uses', () => {
    assert.deepEqual(jira.routes.map((r) => r.id), JIRA_ROUTES.map((r) => r.id));
    for (const route of jira.routes) {
      const operation = spec.paths[specPath(route.template)]?.[route.method.toLowerCase()];
      assert.ok(operation !== undefined, `${route.id} is not in the spec`);
      assert.ok(String(route.success) in (operation.responses ?? {}), `${route.id} answers ${route.success}; the spec declares ${Object.keys(operation.responses ?? {}).join(', ')}`);
    }
  });

  test('every query parameter read is declared as a query parameter, or is an extra with its reason; path parameters are declared', () => {
    for (const route of jira.routes) {
      const declared = spec.paths[specPath(route.template)]?.[route.method.toLowerCase()]?.parameters ?? [];
      for (const name of route.query) assert.ok(declared.some((p) => p.in === 'query' && p.name === name), `${route.id}: ${name} undeclared`);
      for (const [name, why] of Object.entries(route.extraQuery)) {
        assert.equal(declared.some((p) => p.in === 'query' && p.name === name), false, `${route.id}: ${name} is declared, no extra needed`);
        assert.ok(why.length > 20, `${route.id}: ${name} says why`);
      }
      for (const [, name] of route.template.matchAll(/\{([^}]+)\}/g)) assert.ok(declared.some((p) => p.in === 'path' && p.name === name));
    }
    const member = spec.paths['/api/2/group/member']?.['get']?.parameters ?? [];
    assert.ok(member.some((p) => p.name === 'groupname' && p.in === 'path'), 'the spec still declares groupname in: path (see GROUPNAME)');
  });

  test('responses validate against the spec\'s schemas; every route is exercised', async () => {
    const v = validators();
    const errorCollection = v.schema('ErrorCollection');
    const person = jira.state.allUsers().find((u) => u.directory === JIRA_INTERNAL_DIRECTORY && u.active && u.username.includes('.'))!;
    type Sample = { path: string; method?: string; body?: unknown; as?: 'user' | 'anonymous' };
    const samples: Record<string, Sample[]> = {
      'GET /rest/api/2/serverInfo': [{ path: '/rest/api/2/serverInfo', as: 'anonymous' }],
      'GET /rest/api/2/myself': [{ path: '/rest/api/2/myself' }, { path: '/rest/api/2/myself', as: 'anonymous' }],
      'GET /rest/api/2/mypermissions': [{ path: '/rest/api/2/mypermissions', as: 'user' }],
      'GET /rest/api/2/user/list': [{ path: '/rest/api/2/user/list?maxResults=20' }, { path: '/rest/api/2/user/list', as: 'user' }],
      'GET /rest/api/2/user/search': [{ path: '/rest/api/2/user/search?username=.&maxResults=30' }, { path: '/rest/api/2/user/search' }],
      'GET /rest/api/2/user': [{ path: `/rest/api/2/user?username=${person.username}&expand=groups,applicationRoles` }, { path: '/rest/api/2/user?username=nobody' }],
      'PUT /rest/api/2/user': [
        { path: `/rest/api/2/user?username=${person.username}`, method: 'PUT', body: { displayName: 'Renamed Person' } },
        { path: `/rest/api/2/user?username=${person.username}`, method: 'PUT', body: { emailAddress: 'bad' } },
      ],
      'POST /rest/api/2/group/user': [
        { path: '/rest/api/2/group/user?groupname=release%20managers', method: 'POST', body: { name: person.username } },
        { path: '/rest/api/2/group/user?groupname=release%20managers', method: 'POST', body: { name: person.username } },
      ],
      'DELETE /rest/api/2/group/user': [{ path: `/rest/api/2/group/user?groupname=release%20managers&username=${person.username}`, method: 'DELETE' }],
      'GET /rest/api/2/group/member': [{ path: '/rest/api/2/group/member?groupname=staff&maxResults=5' }, { path: '/rest/api/2/group/member?groupname=nope' }],
      'GET /rest/api/2/groups/picker': [{ path: '/rest/api/2/groups/picker?query=jira' }],
      'POST /rest/api/2/user/application': [{ path: `/rest/api/2/user/application?username=${person.username}&applicationKey=jira-servicedesk`, method: 'POST' }],
      'DELETE /rest/api/2/user/application': [{ path: `/rest/api/2/user/application?username=${person.username}&applicationKey=jira-servicedesk`, method: 'DELETE' }],
      'GET /rest/api/2/applicationrole': [{ path: '/rest/api/2/applicationrole' }, { path: '/rest/api/2/applicationrole', as: 'user' }],
      'GET /rest/api/2/applicationrole/{key}': [{ path: '/rest/api/2/applicationrole/jira-software' }, { path: '/rest/api/2/applicationrole/nope' }],
    };
    assert.deepEqual(Object.keys(samples).sort(), jira.routes.map((r) => r.id).sort(), 'every route has a sample');
    const replies = new Map<string, EmulatorReply[]>();
    for (const route of jira.routes) {
      for (const sample of samples[route.id] ?? []) {
        const as = sample.as === 'anonymous' ? null : sample.as === 'user' ? org.credentials.user : undefined;
        const reply = await callEmulator(jira, sample.path, { method: sample.method ?? 'GET', ...(as === undefined ? {} : { as }), ...(sample.body === undefined ? {} : { body: sample.body }) });
        replies.set(route.id, [...(replies.get(route.id) ?? []), reply]);
        const where = `${sample.method ?? 'GET'} ${sample.path} → ${reply.status}`;
        if (reply.status === 204 || (reply.status === 200 && reply.body === '')) continue;
        const check = v.response(route.id, reply.status);
        if (check !== null) assert.ok(check(reply.body), `${where}: ${JSON.stringify(check.errors)}`);
        else {
          assert.ok(reply.status >= 400, `${where}: success without a schema`);
          const declared = String(reply.status) in (spec.paths[specPath(route.template)]?.[route.method.toLowerCase()]?.responses ?? {});
          assert.ok(declared || UNDECLARED_ERRORS.includes(reply.status), `${where}: status neither declared nor a listed error status`);
          assert.ok(errorCollection(reply.body), `${where}: ErrorCollection ${JSON.stringify(errorCollection.errors)}`);
        }
      }
    }
    // ServerInfoBean is `{}` in the spec: the fields public clients read, by hand.
    const info = replies.get('GET /rest/api/2/serverInfo')?.[0]?.body as Record<string, unknown>;
    assert.equal(info['version'], '10.3.24');
    assert.deepEqual(info['versionNumbers'], [10, 3, 24]);
    assert.equal(info['deploymentType'], 'Server');
    assert.equal(typeof info['buildNumber'], 'number');
    // The fields the brief and reference §5 name, present on the bodies (schemas do not require them).
    const stream = replies.get('GET /rest/api/2/user/list')?.[0]?.body as Record<string, unknown>;
    assert.deepEqual(Object.keys(stream).sort(), ['isLast', 'maxResults', 'nextCursor', 'nextPage', 'self', 'values']);
    const roleBody = replies.get('GET /rest/api/2/applicationrole/{key}')?.[0]?.body as Record<string, unknown>;
    for (const field of ['key', 'name', 'groups', 'defaultGroups', 'numberOfSeats', 'remainingSeats', 'userCount', 'hasUnlimitedSeats']) assert.ok(field in roleBody, field);
    const page = replies.get('GET /rest/api/2/group/member')?.[0]?.body as Record<string, unknown>;
    assert.deepEqual(Object.keys(page).sort(), ['isLast', 'maxResults', 'nextPage', 'self', 'startAt', 'total', 'values']);
    const bean = replies.get('GET /rest/api/2/user')?.[0]?.body as Record<string, unknown>;
    for (const field of ['name', 'key', 'emailAddress', 'displayName', 'active', 'deleted', 'timeZone', 'locale', 'groups', 'applicationRoles']) assert.ok(field in bean, field);
    assert.equal(replies.get('POST /rest/api/2/group/user')?.[1]?.status, 400, 'already a member');
  });

  test('the validators bite', () => {
    const v = validators();
    assert.equal(v.schema('UserBean')({ name: 7 }), false);
    assert.equal(v.schema('ApplicationRoleBean')({ numberOfSeats: 'ten' }), false);
    assert.equal(v.response('GET /rest/api/2/user/search', 200)?.({ name: 'x' }), false, 'an object where a list belongs');
    assert.equal(v.schema('ErrorCollection')({ errorMessages: 'x' }), false);
    assert.equal(v.response('GET /rest/api/2/group/member', 200)?.({ values: [{ active: 'yes' }] }), false);
  });
});
