// Validation of a RealmInput (realm/save, realm/test): every field checked, every default of its
// kind filled in, every refusal a 1002 (1003 for the user filter) that names the field and says
// what to enter. A password is never part of a realm: it lives in the client's secret storage.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes, type ErrorData } from '../../protocol/errors';
import { attributeMapFields, type AttributeMap, type Realm, type RealmKind, type RoleRef } from '../../protocol/model';
import { LdapUrlError, isValidHostName, parseLdapUrl } from '../ldap/ldapUrl';
import { distinguishedNameProblem, isActiveDirectoryLogonName } from '../ldap/distinguishedName';
import { parseLdapFilter } from '../ldap/searchFilters';
import { realmKindDefaults, realmNumberBounds, realmNumberDefaults } from '../../protocol/realmKindDefaults';

/** A realm as validated from input: everything but the store's bookkeeping. */
export type ValidRealmInput = Omit<Realm, 'id' | 'createdAt' | 'updatedAt'> & { id?: number };

const kinds: readonly RealmKind[] = ['openldap', 'activeDirectory', 'generic'];
const attributeName = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/;

function invalid(field: string, message: string): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(ErrorCodes.invalidInput, message, { field });
}

function optionalString(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(field, `The realm's ${field} must be text.`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function optionalBoolean(input: Record<string, unknown>, field: string, fallback: boolean): boolean {
  const value = input[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw invalid(field, `The realm's ${field} must be true or false.`);
  return value;
}

function boundedInteger(input: Record<string, unknown>, field: keyof typeof realmNumberBounds, label: string): number {
  const value = input[field];
  const { min, max } = realmNumberBounds[field];
  if (value === undefined || value === null) return realmNumberDefaults[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `${label} must be a whole number from ${min} to ${max} (default ${realmNumberDefaults[field]}).`);
  }
  return value;
}

function checkCaFile(path: string): void {
  if (!isAbsolute(path)) {
    throw invalid('caCertPath', `The CA certificate path "${path}" must be an absolute path to a PEM file.`);
  }
  let text: string;
  try {
    if (statSync(path).size > 1024 * 1024) throw new Error('larger than 1 MiB');
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as Error).message})`;
    throw invalid('caCertPath', `The CA certificate file ${path} ${reason}. Choose the PEM file of the CA that issued the directory's certificate.`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw invalid('caCertPath', `The file ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----). Choose the CA certificate in PEM form.`);
  }
}

function roleRefs(value: unknown): RoleRef[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('defaultRoles', 'The default roles must be a list of roles.');
  return value.map((item, index) => {
    if (typeof item !== 'object' || item === null) throw invalid('defaultRoles', `Default role ${index + 1} is not a role reference.`);
    const { roleId, name, scope } = item as Record<string, unknown>;
    const ref: RoleRef = {};
    if (roleId !== undefined) {
      if (typeof roleId !== 'number' || !Number.isInteger(roleId) || roleId < 1) {
        throw invalid('defaultRoles', `Default role ${index + 1} has an invalid roleId.`);
      }
      ref.roleId = roleId;
    }
    if (name !== undefined) {
      if (typeof name !== 'string' || name.trim() === '') throw invalid('defaultRoles', `Default role ${index + 1} has an empty name.`);
      ref.name = name.trim();
    }
    if (ref.roleId === undefined && ref.name === undefined) {
      throw invalid('defaultRoles', `Default role ${index + 1} needs a roleId or a name.`);
    }
    if (scope !== undefined && scope !== null) {
      if (typeof scope !== 'string') throw invalid('defaultRoles', `Default role ${index + 1} has a scope that is not text.`);
      if (scope.trim() !== '') ref.scope = scope.trim();
    }
    return ref;
  });
}

export interface RealmInputOptions {
  /** Check that caCertPath names a readable PEM file (default true). */
  checkFiles?: boolean;
  /** Prefix for `data.field` in errors, e.g. 'realm.' when the input is the `realm` param. */
  fieldPrefix?: string;
}

/** Validates a RealmInput and fills in the defaults of its kind. Throws 1002/1003 naming the field. */
export function validateRealmInput(raw: unknown, options: RealmInputOptions = {}): ValidRealmInput {
  try {
    return validate(raw, options);
  } catch (err) {
    const data = err instanceof ResponseError ? (err.data as ErrorData | undefined) : undefined;
    if (err instanceof ResponseError && options.fieldPrefix && data?.field) {
      throw new ResponseError<ErrorData>(err.code, err.message, { ...data, field: options.fieldPrefix + data.field });
    }
    throw err;
  }
}

function validate(raw: unknown, options: RealmInputOptions): ValidRealmInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid('realm', 'The realm must be an object with name, kind, url, bindDn and baseDn.');
  }
  const input = raw as Record<string, unknown>;
  for (const secretField of ['password', 'bindPassword', 'secret']) {
    if (input[secretField] !== undefined) {
      throw invalid(secretField, 'A realm never holds a password: the extension keeps it in VS Code secret storage and the backend asks for it when needed.');
    }
  }

  let id: number | undefined;
  if (input.id !== undefined && input.id !== null) {
    if (typeof input.id !== 'number' || !Number.isInteger(input.id) || input.id < 1) throw invalid('id', 'The realm id must be a positive whole number.');
    id = input.id;
  }

  const name = optionalString(input, 'name');
  if (!name) throw invalid('name', 'Give the realm a name (for example "Corporate AD").');
  if (name.length > 100) throw invalid('name', 'The realm name is longer than 100 characters.');

  const kind = input.kind;
  if (typeof kind !== 'string' || !kinds.includes(kind as RealmKind)) {
    throw invalid('kind', `The realm kind must be one of: openldap, activeDirectory, generic.`);
  }
  const defaults = realmKindDefaults(kind as RealmKind);

  const urlText = typeof input.url === 'string' ? input.url : '';
  let endpoint;
  try {
    endpoint = parseLdapUrl(urlText);
  } catch (err) {
    if (err instanceof LdapUrlError) throw invalid('url', err.message);
    throw err;
  }

  const startTls = optionalBoolean(input, 'startTls', false);
  if (startTls && endpoint.scheme === 'ldaps') {
    throw invalid('startTls', 'StartTLS only applies to ldap:// URLs: an ldaps:// URL already uses TLS from the start. Turn StartTLS off or use ldap://.');
  }
  const allowInsecure = optionalBoolean(input, 'allowInsecure', false);

  const caCertPath = optionalString(input, 'caCertPath');
  if (caCertPath && options.checkFiles !== false) checkCaFile(caCertPath);

  const tlsServerName = optionalString(input, 'tlsServerName')?.toLowerCase();
  if (tlsServerName !== undefined && !isValidHostName(tlsServerName)) {
    throw invalid('tlsServerName', `"${tlsServerName}" is not a host name: enter the name the server's certificate is issued for.`);
  }

  const bindDn = optionalString(input, 'bindDn');
  if (!bindDn) {
    throw invalid('bindDn', 'Enter the bind DN of the account that reads the directory (for example cn=reader,ou=system,dc=example,dc=org). Anonymous binds are not used.');
  }
  if (!(kind === 'activeDirectory' && isActiveDirectoryLogonName(bindDn))) {
    const problem = distinguishedNameProblem(bindDn);
    if (problem) {
      const adHint = kind === 'activeDirectory' ? ' (or a logon name such as EXAMPLE\\reader or reader@example.org)' : '';
      throw invalid('bindDn', `The bind DN "${bindDn}" is not a valid DN: ${problem}. Enter a DN such as cn=reader,dc=example,dc=org${adHint}.`);
    }
  }

  const baseDn = optionalString(input, 'baseDn');
  if (!baseDn) throw invalid('baseDn', 'Enter the base DN under which users are searched (for example ou=people,dc=example,dc=org).');
  const baseProblem = distinguishedNameProblem(baseDn);
  if (baseProblem) throw invalid('baseDn', `The base DN "${baseDn}" is not a valid DN: ${baseProblem}.`);

  const scope = input.scope ?? 'sub';
  if (scope !== 'sub' && scope !== 'one') throw invalid('scope', 'The search scope must be "sub" (the whole subtree) or "one" (direct children only).');

  const userFilter = optionalString(input, 'userFilter') ?? defaults.userFilter;
  parseLdapFilter(userFilter, 'The user filter', 'userFilter');

  const attributes: AttributeMap = { ...defaults.attributes };
  if (input.attributes !== undefined && input.attributes !== null) {
    if (typeof input.attributes !== 'object' || Array.isArray(input.attributes)) {
      throw invalid('attributes', 'The attribute map must be an object such as { "username": "uid" }.');
    }
    const given = input.attributes as Record<string, unknown>;
    for (const key of Object.keys(given)) {
      if (!(attributeMapFields as readonly string[]).includes(key)) {
        throw invalid(`attributes.${key}`, `"${key}" is not a field of the attribute map (use ${attributeMapFields.join(', ')}).`);
      }
      const value = given[key];
      if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) continue;
      if (typeof value !== 'string' || !attributeName.test(value.trim())) {
        throw invalid(`attributes.${key}`, `The ${key} attribute "${String(value)}" is not an LDAP attribute name (letters, digits and hyphens, or an OID).`);
      }
      attributes[key as keyof AttributeMap] = value.trim();
    }
  }

  return {
    ...(id !== undefined ? { id } : {}),
    name,
    kind: kind as RealmKind,
    url: endpoint.url,
    startTls,
    ...(caCertPath ? { caCertPath } : {}),
    ...(tlsServerName ? { tlsServerName } : {}),
    allowInsecure,
    bindDn,
    baseDn,
    scope,
    userFilter,
    attributes,
    pageSize: boundedInteger(input, 'pageSize', 'The page size'),
    connectTimeoutMs: boundedInteger(input, 'connectTimeoutMs', 'The connect timeout (ms)'),
    timeoutMs: boundedInteger(input, 'timeoutMs', 'The operation timeout (ms)'),
    enabled: optionalBoolean(input, 'enabled', true),
    defaultRoles: roleRefs(input.defaultRoles),
  };
}
