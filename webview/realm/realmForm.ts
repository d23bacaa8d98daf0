// The directory editor's form model: kind presets (the attribute names each kind of directory
// uses, from the shared realmKindDefaults), the security choice and the URL scheme kept in step,
// inline validation mirroring the backend's rules, and the RealmInput sent on Test and Save.
// Pure, so the unit tests check it without a browser.
import type { AttributeMap, Realm, RealmInput, RealmKind, SearchScope } from '../../protocol/model';
import { attributeMapFields } from '../../protocol/model';
import { realmKindDefaults, realmNumberBounds, realmNumberDefaults } from '../../protocol/realmKindDefaults';
import { checkFilter } from '../import/queryHint';

export type Security = 'ldaps' | 'starttls' | 'none';

export interface RealmFormValues {
  name: string;
  kind: RealmKind;
  url: string;
  security: Security;
  allowInsecure: boolean;
  caCertPath: string;
  tlsServerName: string;
  bindDn: string;
  baseDn: string;
  scope: SearchScope;
  userFilter: string;
  attributes: AttributeMap;
  pageSize: string;
  connectTimeoutMs: string;
  timeoutMs: string;
  enabled: boolean;
}

export interface KindPreset {
  attributes: AttributeMap;
  userFilter: string;
  /** Example bind DN shown as a placeholder. */
  bindDnExample: string;
}

const bindDnExamples: Record<RealmKind, string> = {
  openldap: 'cn=reader,ou=system,dc=example,dc=org',
  activeDirectory: 'CN=Reader,CN=Users,DC=example,DC=org or reader@example.org',
  generic: 'cn=reader,dc=example,dc=org',
};

export const kindPresets: Record<RealmKind, KindPreset> = Object.fromEntries(
  (['openldap', 'activeDirectory', 'generic'] as const).map((kind) => [kind, { ...realmKindDefaults(kind), bindDnExample: bindDnExamples[kind] }]),
) as Record<RealmKind, KindPreset>;

export const numberBounds = {
  pageSize: { ...realmNumberBounds.pageSize, default: realmNumberDefaults.pageSize, label: 'Page size' },
  connectTimeoutMs: { ...realmNumberBounds.connectTimeoutMs, default: realmNumberDefaults.connectTimeoutMs, label: 'Connect timeout (ms)' },
  timeoutMs: { ...realmNumberBounds.timeoutMs, default: realmNumberDefaults.timeoutMs, label: 'Operation timeout (ms)' },
} as const;

export function emptyForm(kind: RealmKind = 'openldap'): RealmFormValues {
  const preset = kindPresets[kind];
  return {
    name: '',
    kind,
    url: 'ldaps://',
    security: 'ldaps',
    allowInsecure: false,
    caCertPath: '',
    tlsServerName: '',
    bindDn: '',
    baseDn: '',
    scope: 'sub',
    userFilter: preset.userFilter,
    attributes: { ...preset.attributes },
    pageSize: String(numberBounds.pageSize.default),
    connectTimeoutMs: String(numberBounds.connectTimeoutMs.default),
    timeoutMs: String(numberBounds.timeoutMs.default),
    enabled: true,
  };
}

export function formFromRealm(realm: Realm): RealmFormValues {
  return {
    name: realm.name,
    kind: realm.kind,
    url: realm.url,
    security: securityOf(realm.url, realm.startTls),
    allowInsecure: realm.allowInsecure,
    caCertPath: realm.caCertPath ?? '',
    tlsServerName: realm.tlsServerName ?? '',
    bindDn: realm.bindDn,
    baseDn: realm.baseDn,
    scope: realm.scope,
    userFilter: realm.userFilter,
    attributes: { ...kindPresets[realm.kind].attributes, ...realm.attributes },
    pageSize: String(realm.pageSize),
    connectTimeoutMs: String(realm.connectTimeoutMs),
    timeoutMs: String(realm.timeoutMs),
    enabled: realm.enabled,
  };
}

export function securityOf(url: string, startTls: boolean): Security {
  return /^ldaps:/i.test(url.trim()) ? 'ldaps' : startTls ? 'starttls' : 'none';
}

/** The URL for a security choice: ldaps:// for LDAPS, ldap:// otherwise; a default port follows the scheme. */
export function urlForSecurity(url: string, security: Security): string {
  const m = /^(ldaps?):\/\/(.*)$/i.exec(url.trim());
  const rest = m ? m[2]! : url.trim().replace(/^[a-z]*:\/*/i, '');
  const scheme = security === 'ldaps' ? 'ldaps' : 'ldap';
  const withPort = rest.replace(/:(389|636)(\/?)$/, (_all, _port: string, slash: string) => `:${scheme === 'ldaps' ? 636 : 389}${slash}`);
  return `${scheme}://${withPort}`;
}

/**
 * Switching the kind: attributes and the user filter that still have the old kind's defaults (or
 * are empty) take the new kind's; values the admin typed stay.
 */
export function applyKind(values: RealmFormValues, kind: RealmKind): RealmFormValues {
  const before = kindPresets[values.kind];
  const after = kindPresets[kind];
  const attributes = { ...values.attributes };
  for (const field of attributeMapFields) {
    if (attributes[field].trim() === '' || attributes[field] === before.attributes[field]) {
      attributes[field] = after.attributes[field];
    }
  }
  const userFilter = values.userFilter.trim() === '' || values.userFilter === before.userFilter ? after.userFilter : values.userFilter;
  return { ...values, kind, attributes, userFilter };
}

export type FormErrors = Partial<Record<string, string>>;

const attributeName = /^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)*)$/;
const dnLike = /^[^=,]+=[^,]+(,\s*[^=,]+=[^,]*)*$/;

/** Inline validation: field → message (empty object when the form can be sent). */
export function validateRealmForm(v: RealmFormValues): FormErrors {
  const errors: FormErrors = {};
  if (v.name.trim() === '') errors.name = 'Give the directory a name (for example “Corporate AD”).';
  else if (v.name.trim().length > 100) errors.name = 'At most 100 characters.';
  const url = v.url.trim();
  if (!/^ldaps?:\/\/[^\s/:]+(:\d{1,5})?\/?$/i.test(url)) {
    errors.url = 'Enter ldaps://host[:port] or ldap://host[:port] (for example ldaps://ldap.example.org:636).';
  } else {
    const port = /:(\d+)\/?$/.exec(url)?.[1];
    if (port && (Number(port) < 1 || Number(port) > 65535)) errors.url = 'The port must be between 1 and 65535.';
  }
  if (v.security === 'none' && !v.allowInsecure) {
    errors.allowInsecure = 'Without TLS the bind password crosses the network in clear text. Choose LDAPS or StartTLS, or tick this box to allow it for this directory.';
  }
  if (v.tlsServerName.trim() !== '' && !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(v.tlsServerName.trim())) {
    errors.tlsServerName = 'Enter the host name the server certificate is issued for.';
  }
  const bindDn = v.bindDn.trim();
  if (bindDn === '') {
    errors.bindDn = 'Enter the DN of the account that reads the directory (anonymous binds are not used).';
  } else if (!dnLike.test(bindDn) && !(v.kind === 'activeDirectory' && /^[^\\@\s]+\\[^\\@\s]+$|^[^@\s]+@[^@\s]+$/.test(bindDn))) {
    errors.bindDn = `Not a DN: use attribute=value pairs separated by commas, e.g. ${kindPresets[v.kind].bindDnExample}.`;
  }
  if (v.baseDn.trim() === '') errors.baseDn = 'Enter the base DN users are searched under (for example ou=people,dc=example,dc=org).';
  else if (!dnLike.test(v.baseDn.trim())) errors.baseDn = 'Not a DN: use attribute=value pairs separated by commas, e.g. dc=example,dc=org.';
  if (v.userFilter.trim() !== '') {
    const problem = checkFilter(v.userFilter.trim());
    if (problem) errors.userFilter = `User filter: ${problem}`;
  }
  for (const field of attributeMapFields) {
    const name = v.attributes[field].trim();
    if (name !== '' && !attributeName.test(name)) errors[`attributes.${field}`] = 'An attribute name (letters, digits, hyphens) or an OID.';
  }
  for (const key of ['pageSize', 'connectTimeoutMs', 'timeoutMs'] as const) {
    const text = v[key].trim();
    const b = numberBounds[key];
    if (text !== '' && (!/^\d+$/.test(text) || Number(text) < b.min || Number(text) > b.max)) {
      errors[key] = `${b.label}: a whole number from ${b.min} to ${b.max}.`;
    }
  }
  return errors;
}

/** The RealmInput the host receives (no password: that travels separately, once, to SecretStorage). */
export function realmInputOf(v: RealmFormValues, id?: number): RealmInput {
  const attributes: Partial<AttributeMap> = {};
  for (const field of attributeMapFields) {
    const name = v.attributes[field].trim();
    if (name !== '') attributes[field] = name;
  }
  const num = (text: string) => (text.trim() === '' ? undefined : Number(text.trim()));
  const input: RealmInput = {
    name: v.name.trim(),
    kind: v.kind,
    url: urlForSecurity(v.url, v.security),
    startTls: v.security === 'starttls',
    allowInsecure: v.security === 'none' && v.allowInsecure,
    bindDn: v.bindDn.trim(),
    baseDn: v.baseDn.trim(),
    scope: v.scope,
    attributes,
    enabled: v.enabled,
  };
  if (id !== undefined) input.id = id;
  if (v.caCertPath.trim() !== '') input.caCertPath = v.caCertPath.trim();
  if (v.tlsServerName.trim() !== '') input.tlsServerName = v.tlsServerName.trim();
  if (v.userFilter.trim() !== '') input.userFilter = v.userFilter.trim();
  const pageSize = num(v.pageSize);
  const connectTimeoutMs = num(v.connectTimeoutMs);
  const timeoutMs = num(v.timeoutMs);
  if (pageSize !== undefined) input.pageSize = pageSize;
  if (connectTimeoutMs !== undefined) input.connectTimeoutMs = connectTimeoutMs;
  if (timeoutMs !== undefined) input.timeoutMs = timeoutMs;
  return input;
}

/** The form control an error's field names: "realm.url" (schema) and "url" (backend) → "url". */
export function formFieldOf(errorField: string | undefined): string | undefined {
  if (!errorField) return undefined;
  const f = errorField.replace(/^realm\./, '');
  if (f === 'startTls') return 'security';
  return f;
}
