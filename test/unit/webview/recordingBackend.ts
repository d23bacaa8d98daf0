// A stand-in for the backend in the page-host unit tests: answers by method name and records
// every request, so a test can assert that a refused page message never reached the backend.
// The real backend is exercised by the integration and e2e suites.
import { ResponseError, type CancellationToken, type RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from '../../../protocol/errors';
import type { Realm, Role } from '../../../protocol/model';
import { realmKindDefaults } from '../../../protocol/realmKindDefaults';

export interface RecordedCall {
  method: string;
  params: unknown;
}

type Answer = (params: never, token?: CancellationToken) => unknown;

export class RecordingBackend {
  readonly calls: RecordedCall[] = [];
  constructor(private readonly answers: Record<string, Answer>) {}

  async request<P, R>(type: RequestType<P, R, ErrorData>, params: P, token?: CancellationToken): Promise<R> {
    this.calls.push({ method: type.method, params });
    const answer = this.answers[type.method];
    if (!answer) {
      throw new ResponseError(-32601, `No answer for ${type.method} in this test`);
    }
    return (await answer(params as never, token)) as R;
  }

  methods(): string[] {
    return this.calls.map((c) => c.method);
  }
}

export function realmFixture(id: number, name: string, enabled = true): Realm {
  return {
    id,
    name,
    kind: 'openldap',
    url: `ldaps://ldap${id}.example.test:636`,
    startTls: false,
    allowInsecure: false,
    bindDn: 'cn=reader,dc=example,dc=test',
    baseDn: 'ou=people,dc=example,dc=test',
    scope: 'sub',
    ...realmKindDefaults('openldap'),
    pageSize: 500,
    connectTimeoutMs: 10000,
    timeoutMs: 30000,
    enabled,
    defaultRoles: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

export const rolesFixture: Role[] = [
  { id: 1, name: 'Viewer' },
  { id: 2, name: 'Editor' },
  { id: 3, name: 'Administrator' },
];
