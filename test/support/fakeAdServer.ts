// FAKE Active Directory LDAP server, for the AD behaviours the real Samba DC does not reproduce:
//   - MaxPageSize: a non-paged search stops after 1000 entries with sizeLimitExceeded (4);
//     paged searches get everything, in pages of at most 1000 (a larger requested size shrinks).
//   - Range retrieval: an attribute with more than 1500 values (the group's `member`) comes back
//     as `member;range=0-1499`; the client asks for `member;range=1500-2999`, ..., `3000-*`.
//   - A base DN in another domain answers referral (10) with the other domain's URL.
//   - Subtree searches from the domain root carry continuation references (CN=Configuration...).
// Everything else is plain LDAPv3 over a tiny BER codec: simple bind, search (full filter
// grammar incl. raw-byte objectGUID equality and the AD bit-AND rule), StartTLS, LDAPS, unbind.
// It is a test double, called FAKE in every name and message so nobody mistakes it for AD.

import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer as createTlsServer, createSecureContext, TLSSocket } from 'node:tls';
import { makeTestPki, type TestPki } from '../../scripts/directory/pki';

// ---------------------------------------------------------------------------------------------
// BER (only what LDAP needs)

interface Tlv {
  tag: number;
  value: Buffer;
}

/** Length of a complete TLV at the start of buf, or 0 when more bytes are needed. */
function completeTlvLength(buf: Buffer): number {
  if (buf.length < 2) return 0;
  let len = buf[1];
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('FAKE AD: unsupported BER length');
    if (buf.length < 2 + n) return 0;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[2 + i];
    header += n;
  }
  return buf.length >= header + len ? header + len : 0;
}

function readTlvs(buf: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let off = 0;
  while (off < buf.length) {
    const rest = buf.subarray(off);
    const total = completeTlvLength(rest);
    if (total === 0) throw new Error('FAKE AD: truncated BER');
    const header = rest[1] & 0x80 ? 2 + (rest[1] & 0x7f) : 2;
    out.push({ tag: rest[0], value: rest.subarray(header, total) });
    off += total;
  }
  return out;
}

function berInt(v: Buffer): number {
  let n = v.length > 0 && v[0] & 0x80 ? -1 : 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

function encLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encLength(body.length), body]);
}

function encInt(n: number, tag = 0x02): Buffer {
  const bytes: number[] = [];
  let x = n;
  do {
    bytes.unshift(x & 0xff);
    x = Math.floor(x / 256);
  } while (x > 0);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return tlv(tag, Buffer.from(bytes));
}

const octets = (v: string | Buffer, tag = 0x04) => tlv(tag, Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8'));
const seq = (...c: Buffer[]) => tlv(0x30, ...c);

// ---------------------------------------------------------------------------------------------
// LDAP constants

const OP = {
  bindRequest: 0x60, bindResponse: 0x61, unbindRequest: 0x42, searchRequest: 0x63, searchEntry: 0x64,
  searchDone: 0x65, searchReference: 0x73, abandonRequest: 0x50, extendedRequest: 0x77, extendedResponse: 0x78,
} as const;
/** Request tag → response tag for the operations the FAKE refuses (unwillingToPerform). */
const REFUSED_OPS: Record<number, number> = { 0x66: 0x67, 0x68: 0x69, 0x4a: 0x6b, 0x6c: 0x6d, 0x6e: 0x6f };
const PAGED_OID = '1.2.840.113556.1.4.319';
const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
const RC = { success: 0, operationsError: 1, protocolError: 2, sizeLimitExceeded: 4, authMethodNotSupported: 7, referral: 10, noSuchObject: 32, invalidCredentials: 49, unwillingToPerform: 53 } as const;

// ---------------------------------------------------------------------------------------------
// directory data

interface Attr {
  name: string;
  values: Buffer[];
}

export interface FakeAdEntry {
  dn: string;
  /** lower-case name → attribute with its canonical (AD) spelling. */
  attrs: Map<string, Attr>;
}

const BINARY = new Set(['objectguid', 'objectsid']);

function entry(dn: string, attributes: Record<string, Array<string | Buffer> | string | Buffer>): FakeAdEntry {
  const attrs = new Map<string, Attr>();
  for (const [name, v] of Object.entries({ ...attributes, distinguishedName: dn })) {
    const list = Array.isArray(v) ? v : [v];
    attrs.set(name.toLowerCase(), { name, values: list.map((x) => (Buffer.isBuffer(x) ? x : Buffer.from(x, 'utf8'))) });
  }
  return { dn, attrs };
}

export const FAKE_AD_BASE_DN = 'DC=fake,DC=test';
export const FAKE_AD_DNS_DOMAIN = 'fake.test';
export const FAKE_AD_USERS_OU = `OU=Staff,${FAKE_AD_BASE_DN}`;
export const FAKE_AD_GROUP_DN = `CN=Everyone Big Group,OU=Groups,${FAKE_AD_BASE_DN}`;
export const FAKE_AD_OTHER_DOMAIN_DN = 'DC=other,DC=test';
export const FAKE_AD_OTHER_DOMAIN_URL = 'ldap://other.test/DC=other,DC=test';
export const FAKE_AD_ROOT_REFERENCES = [
  `ldap://${FAKE_AD_DNS_DOMAIN}/CN=Configuration,${FAKE_AD_BASE_DN}`,
  `ldap://ForestDnsZones.${FAKE_AD_DNS_DOMAIN}/DC=ForestDnsZones,${FAKE_AD_BASE_DN}`,
];
export const FAKE_AD_READER_DN = `CN=FAKE reader,OU=Service Accounts,${FAKE_AD_BASE_DN}`;
export const FAKE_AD_READER_UPN = `fake-reader@${FAKE_AD_DNS_DOMAIN}`;
export const FAKE_AD_READER_PASSWORD = 'Fake!Reader1';
const PERSON_CATEGORY = `CN=Person,CN=Schema,CN=Configuration,${FAKE_AD_BASE_DN}`;

/** The user whose memberOf has more values than one range (AD then sends memberOf;range=0-1499). */
export const FAKE_AD_MANY_GROUPS_USER = 2;

export function fakeAdGroupDn(k: number): string {
  return `CN=Group ${String(k).padStart(5, '0')},OU=Groups,${FAKE_AD_BASE_DN}`;
}

export function fakeAdSam(i: number): string {
  return `fuser${String(i).padStart(5, '0')}`;
}

export function fakeAdUserDn(i: number): string {
  return `CN=${fakeAdSam(i)},${FAKE_AD_USERS_OU}`;
}

/** Deterministic 16-byte GUID of user i; user 1's bytes are ASCII text (valid UTF-8) on purpose. */
export function fakeAdUserGuid(i: number): Buffer {
  if (i === 1) return Buffer.from('fakeguid00000001', 'latin1');
  return createHash('sha256').update(`FAKE AD user ${i}`).digest().subarray(0, 16);
}

/** Users ≡ 0 (mod 100) are disabled with 514, ≡ 50 with 66050. */
export function fakeAdUserAccountControl(i: number): number {
  if (i % 100 === 0) return 514;
  if (i % 100 === 50) return 66050;
  return 512;
}

function buildDirectory(users: number, groupMembers: number, manyGroups: number): FakeAdEntry[] {
  const out: FakeAdEntry[] = [
    entry(FAKE_AD_BASE_DN, { objectClass: ['top', 'domain', 'domainDNS'], dc: 'fake' }),
    entry(FAKE_AD_USERS_OU, { objectClass: ['top', 'organizationalUnit'], ou: 'Staff' }),
    entry(`OU=Groups,${FAKE_AD_BASE_DN}`, { objectClass: ['top', 'organizationalUnit'], ou: 'Groups' }),
    entry(`OU=Service Accounts,${FAKE_AD_BASE_DN}`, { objectClass: ['top', 'organizationalUnit'], ou: 'Service Accounts' }),
    entry(FAKE_AD_READER_DN, {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'], objectCategory: PERSON_CATEGORY, cn: 'FAKE reader',
      sAMAccountName: 'fake-reader', userPrincipalName: FAKE_AD_READER_UPN, userAccountControl: '66048',
      objectGUID: createHash('sha256').update('FAKE AD reader').digest().subarray(0, 16),
    }),
  ];
  for (let i = 1; i <= users; i++) {
    const sam = fakeAdSam(i);
    out.push(entry(fakeAdUserDn(i), {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'], objectCategory: PERSON_CATEGORY,
      cn: sam, sAMAccountName: sam, userPrincipalName: `${sam}@${FAKE_AD_DNS_DOMAIN}`,
      givenName: `Given${i}`, sn: `Surname${i}`, displayName: `Given${i} Surname${i}`, mail: `${sam}@${FAKE_AD_DNS_DOMAIN}`,
      department: ['Engineering', 'Sales', 'Support'][i % 3], title: 'Analyst', telephoneNumber: `+1 555 ${String(i).padStart(7, '0')}`,
      userAccountControl: String(fakeAdUserAccountControl(i)), objectGUID: fakeAdUserGuid(i),
      objectSid: Buffer.concat([Buffer.from('010500000000000515000000aabbccdd11223344', 'hex'), Buffer.from([i & 0xff, (i >> 8) & 0xff, 0, 0])]),
      ...(i === FAKE_AD_MANY_GROUPS_USER ? { memberOf: Array.from({ length: manyGroups }, (_, k) => fakeAdGroupDn(k + 1)) } : {}),
    }));
  }
  const members = Array.from({ length: groupMembers }, (_, k) => fakeAdUserDn(k + 1));
  out.push(entry(FAKE_AD_GROUP_DN, {
    objectClass: ['top', 'group'], objectCategory: `CN=Group,CN=Schema,CN=Configuration,${FAKE_AD_BASE_DN}`,
    cn: 'Everyone Big Group', sAMAccountName: 'everyone-big', member: members,
    objectGUID: createHash('sha256').update('FAKE AD group').digest().subarray(0, 16),
  }));
  return out;
}

// ---------------------------------------------------------------------------------------------
// filters

type Filter =
  | { kind: 'and' | 'or'; children: Filter[] }
  | { kind: 'not'; child: Filter }
  | { kind: 'eq' | 'ge' | 'le' | 'approx'; attr: string; value: Buffer }
  | { kind: 'sub'; attr: string; initial?: string; any: string[]; final?: string }
  | { kind: 'present'; attr: string }
  | { kind: 'ext'; attr: string; rule: string; value: Buffer };

function parseFilter(t: Tlv): Filter {
  switch (t.tag) {
    case 0xa0:
    case 0xa1:
      return { kind: t.tag === 0xa0 ? 'and' : 'or', children: readTlvs(t.value).map(parseFilter) };
    case 0xa2:
      return { kind: 'not', child: parseFilter(readTlvs(t.value)[0]) };
    case 0xa3:
    case 0xa5:
    case 0xa6:
    case 0xa8: {
      const [a, v] = readTlvs(t.value);
      const kind = ({ 0xa3: 'eq', 0xa5: 'ge', 0xa6: 'le', 0xa8: 'approx' } as const)[t.tag as 0xa3];
      return { kind, attr: a.value.toString('utf8').toLowerCase(), value: v.value };
    }
    case 0xa4: {
      const [a, subs] = readTlvs(t.value);
      const f: Filter = { kind: 'sub', attr: a.value.toString('utf8').toLowerCase(), any: [] };
      for (const s of readTlvs(subs.value)) {
        const text = s.value.toString('utf8').toLowerCase();
        if (s.tag === 0x80) f.initial = text;
        else if (s.tag === 0x81) f.any.push(text);
        else f.final = text;
      }
      return f;
    }
    case 0x87:
      return { kind: 'present', attr: t.value.toString('utf8').toLowerCase() };
    case 0xa9: {
      let attr = '';
      let rule = '';
      let value = Buffer.alloc(0);
      for (const p of readTlvs(t.value)) {
        if (p.tag === 0x81) rule = p.value.toString('utf8');
        else if (p.tag === 0x82) attr = p.value.toString('utf8').toLowerCase();
        else if (p.tag === 0x83) value = p.value;
      }
      return { kind: 'ext', attr, rule, value };
    }
    default:
      throw new Error(`FAKE AD: unknown filter tag 0x${t.tag.toString(16)}`);
  }
}

function valuesOf(e: FakeAdEntry, attr: string): Buffer[] {
  return e.attrs.get(attr)?.values ?? [];
}

function eqValue(attr: string, have: Buffer, want: Buffer): boolean {
  if (BINARY.has(attr)) return have.equals(want);
  const w = want.toString('utf8').toLowerCase();
  const h = have.toString('utf8').toLowerCase();
  // AD matches objectCategory=person against the category DN's short name
  if (attr === 'objectcategory' && !w.includes('=')) return h.startsWith(`cn=${w},`);
  return h === w;
}

function matches(f: Filter, e: FakeAdEntry): boolean {
  switch (f.kind) {
    case 'and':
      return f.children.every((c) => matches(c, e));
    case 'or':
      return f.children.some((c) => matches(c, e));
    case 'not':
      return !matches(f.child, e);
    case 'present':
      return f.attr === 'objectclass' || valuesOf(e, f.attr).length > 0;
    case 'eq':
    case 'approx':
      return valuesOf(e, f.attr).some((v) => eqValue(f.attr, v, f.value));
    case 'ge':
    case 'le': {
      const want = f.value.toString('utf8');
      return valuesOf(e, f.attr).some((v) => {
        const have = v.toString('utf8');
        const cmp = /^-?\d+$/.test(have) && /^-?\d+$/.test(want) ? Number(have) - Number(want) : have.toLowerCase().localeCompare(want.toLowerCase());
        return f.kind === 'ge' ? cmp >= 0 : cmp <= 0;
      });
    }
    case 'sub':
      return valuesOf(e, f.attr).some((v) => {
        const s = v.toString('utf8').toLowerCase();
        let pos = 0;
        if (f.initial != null) {
          if (!s.startsWith(f.initial)) return false;
          pos = f.initial.length;
        }
        for (const a of f.any) {
          const at = s.indexOf(a, pos);
          if (at < 0) return false;
          pos = at + a.length;
        }
        return f.final == null || (s.length - f.final.length >= pos && s.endsWith(f.final));
      });
    case 'ext': {
      const want = Number(f.value.toString('utf8'));
      if (f.rule === '1.2.840.113556.1.4.803') return valuesOf(e, f.attr).some((v) => (Number(v.toString()) & want) === want);
      if (f.rule === '1.2.840.113556.1.4.804') return valuesOf(e, f.attr).some((v) => (Number(v.toString()) & want) !== 0);
      return valuesOf(e, f.attr).some((v) => eqValue(f.attr, v, f.value));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// the server

export interface FakeAdOptions {
  /** Users in OU=Staff (default 2500: more than MaxPageSize). */
  users?: number;
  /** Values of the big group's `member` (default 3200: ranges 0-1499, 1500-2999, 3000-*). */
  groupMembers?: number;
  /** Values of memberOf of user FAKE_AD_MANY_GROUPS_USER (default 3200). */
  manyGroups?: number;
  /** AD's MaxPageSize (default 1000). */
  maxPageSize?: number;
  /** AD's MaxValRange (default 1500). */
  rangeStep?: number;
}

/** What the FAKE saw, so tests can assert what went over the wire. */
export interface FakeAdSearchLog {
  base: string;
  scope: number;
  sizeLimit: number;
  attributes: string[];
  /** Requested page size, or undefined for a non-paged search. */
  pageSize?: number;
  entriesSent: number;
  referencesSent: number;
  resultCode: number;
}

export interface FakeAdServerHandle {
  /** ldap:// on 127.0.0.1 (plain and StartTLS). */
  url: string;
  ldapsUrl: string;
  caCert: Buffer;
  caCertPath: string;
  baseDn: string;
  usersOu: string;
  groupDn: string;
  otherDomainDn: string;
  readerDn: string;
  readerUpn: string;
  readerPassword: string;
  users: number;
  groupMembers: number;
  manyGroups: number;
  maxPageSize: number;
  rangeStep: number;
  searches: FakeAdSearchLog[];
  binds: Array<{ name: string; resultCode: number }>;
  stop(): Promise<void>;
}

function ldapResult(op: number, code: number, diagnostic = '', matchedDn = '', extra: Buffer[] = []): Buffer {
  return tlv(op, tlv(0x0a, Buffer.from([code])), octets(matchedDn), octets(diagnostic), ...extra);
}

function message(id: number, op: Buffer, controls: Buffer[] = []): Buffer {
  return seq(encInt(id), op, ...(controls.length ? [tlv(0xa0, ...controls)] : []));
}

function normDn(dn: string): string {
  return dn.replace(/\s*,\s*/g, ',').trim().toLowerCase();
}

/** Starts the FAKE AD on random 127.0.0.1 ports (ldap:// with StartTLS, and ldaps://). */
export async function startFakeAdServer(opts: FakeAdOptions = {}): Promise<FakeAdServerHandle> {
  const users = opts.users ?? 2500;
  const groupMembers = opts.groupMembers ?? 3200;
  const manyGroups = opts.manyGroups ?? 3200;
  const maxPageSize = opts.maxPageSize ?? 1000;
  const rangeStep = opts.rangeStep ?? 1500;
  const entries = buildDirectory(users, groupMembers, manyGroups);
  const byDn = new Map(entries.map((e) => [normDn(e.dn), e]));
  const pki: TestPki = await makeTestPki();
  const [cert, key, caCert] = await Promise.all([
    readFile(pki.server.certPath), readFile(pki.server.keyPath), readFile(pki.caCertPath),
  ]);
  const secureContext = createSecureContext({ cert, key });
  const searches: FakeAdSearchLog[] = [];
  const binds: Array<{ name: string; resultCode: number }> = [];
  const sockets = new Set<Socket>();

  const rootDse = entry('', {
    objectClass: 'top', defaultNamingContext: FAKE_AD_BASE_DN, rootDomainNamingContext: FAKE_AD_BASE_DN,
    namingContexts: [FAKE_AD_BASE_DN, `CN=Configuration,${FAKE_AD_BASE_DN}`], supportedLDAPVersion: ['3'],
    supportedControl: [PAGED_OID], supportedExtension: [STARTTLS_OID], dnsHostName: `dc1.${FAKE_AD_DNS_DOMAIN}`,
    vendorName: 'FAKE Active Directory (test double)',
  });

  function selectAttributes(e: FakeAdEntry, requested: string[]): Buffer[] {
    const req = requested.map((r) => r.toLowerCase());
    const all = req.length === 0 || req.includes('*');
    if (req.length === 1 && req[0] === '1.1') return [];
    const out: Buffer[] = [];
    const partial = (name: string, values: Buffer[]) => seq(octets(name), tlv(0x31, ...values.map((v) => octets(v))));
    for (const [lower, attr] of e.attrs) {
      const ranged = req.find((r) => r.startsWith(`${lower};range=`));
      if (ranged) {
        const m = /;range=(\d+)-(\d+|\*)$/.exec(ranged);
        if (!m) continue;
        const low = Number(m[1]);
        const high = m[2] === '*' ? Infinity : Number(m[2]);
        const slice = attr.values.slice(low, Math.min(low + rangeStep, high + 1, attr.values.length));
        const last = low + slice.length - 1;
        out.push(partial(`${attr.name};range=${low}-${last >= attr.values.length - 1 ? '*' : last}`, slice));
      } else if (all || req.includes(lower)) {
        if (attr.values.length > rangeStep) {
          out.push(partial(`${attr.name};range=0-${rangeStep - 1}`, attr.values.slice(0, rangeStep)));
        } else out.push(partial(attr.name, attr.values));
      }
    }
    return out;
  }

  function serve(socket: Socket, tlsActive: boolean): void {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    let boundAs: string | null = null;
    let upgraded = false;
    const send = (b: Buffer) => { if (!socket.destroyed) socket.write(b); };

    const handle = (msg: Buffer) => {
      const [idT, opT, ctrlT] = readTlvs(readTlvs(msg)[0].value);
      const id = berInt(idT.value);
      const controls = new Map<string, Buffer>();
      if (ctrlT?.tag === 0xa0) {
        for (const c of readTlvs(ctrlT.value)) {
          const parts = readTlvs(c.value);
          controls.set(parts[0].value.toString('utf8'), parts.find((p) => p.tag === 0x04 && p !== parts[0])?.value ?? Buffer.alloc(0));
        }
      }
      const parts = opT.tag & 0x20 ? readTlvs(opT.value) : [];
      switch (opT.tag) {
        case OP.bindRequest: {
          const name = parts[1].value.toString('utf8');
          const auth = parts[2];
          let code: number = RC.success;
          let diag = '';
          if (auth.tag !== 0x80) {
            code = RC.authMethodNotSupported;
            diag = 'FAKE AD: only simple bind';
          } else {
            const password = auth.value.toString('utf8');
            const known = normDn(name) === normDn(FAKE_AD_READER_DN) || name.toLowerCase() === FAKE_AD_READER_UPN;
            if (name === '' && password === '') boundAs = null;
            else if (known && password === FAKE_AD_READER_PASSWORD) boundAs = FAKE_AD_READER_DN;
            else {
              code = RC.invalidCredentials;
              diag = '80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563 (FAKE AD)';
              boundAs = null;
            }
          }
          binds.push({ name, resultCode: code });
          send(message(id, ldapResult(OP.bindResponse, code, diag)));
          return;
        }
        case OP.unbindRequest:
          socket.end();
          return;
        case OP.abandonRequest:
          return;
        case OP.extendedRequest: {
          const oid = parts[0]?.value.toString('utf8');
          if (oid === STARTTLS_OID && !tlsActive) {
            send(message(id, ldapResult(OP.extendedResponse, RC.success, '', '', [octets(STARTTLS_OID, 0x8a)])));
            upgraded = true;
            socket.removeAllListeners('data');
            const secure = new TLSSocket(socket, { isServer: true, secureContext });
            serve(secure, true);
          } else {
            send(message(id, ldapResult(OP.extendedResponse, RC.protocolError, `FAKE AD: extended operation ${oid} not supported`)));
          }
          return;
        }
        case OP.searchRequest: {
          search(id, parts, controls);
          return;
        }
        default: {
          const responseTag = REFUSED_OPS[opT.tag];
          if (responseTag != null) send(message(id, ldapResult(responseTag, RC.unwillingToPerform, 'FAKE AD is read-only')));
          else socket.destroy();
        }
      }
    };

    const search = (id: number, parts: Tlv[], controls: Map<string, Buffer>) => {
      const base = parts[0].value.toString('utf8');
      const scope = berInt(parts[1].value);
      const sizeLimit = berInt(parts[3].value);
      const filter = parseFilter(parts[6]);
      const attributes = readTlvs(parts[7].value).map((a) => a.value.toString('utf8'));
      const pagedValue = controls.get(PAGED_OID);
      const paged = pagedValue != null ? readTlvs(readTlvs(pagedValue)[0].value) : undefined;
      const log: FakeAdSearchLog = {
        base, scope, sizeLimit, attributes, pageSize: paged ? berInt(paged[0].value) : undefined,
        entriesSent: 0, referencesSent: 0, resultCode: 0,
      };
      searches.push(log);
      const done = (code: number, diag = '', matched = '', extra: Buffer[] = [], ctrls: Buffer[] = []) => {
        log.resultCode = code;
        send(message(id, ldapResult(OP.searchDone, code, diag, matched, extra), ctrls));
      };

      if (base === '' && scope === 0) {
        if (matches(filter, rootDse)) {
          send(message(id, tlv(OP.searchEntry, octets(''), seq(...selectAttributes(rootDse, attributes)))));
          log.entriesSent = 1;
        }
        done(RC.success);
        return;
      }
      const nb = normDn(base);
      const other = normDn(FAKE_AD_OTHER_DOMAIN_DN);
      if (nb === other || nb.endsWith(`,${other}`)) {
        done(RC.referral, `0000202B: RefErr: DSID-0310084A, data 0, 1 access points (FAKE AD)`, '', [tlv(0xa3, octets(`ldap://other.test/${base}`))]);
        return;
      }
      if (boundAs == null) {
        done(RC.operationsError, '000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation a successful bind must be completed on the connection., data 0, v4563 (FAKE AD)');
        return;
      }
      if (!byDn.has(nb)) {
        const matched = nb.endsWith(normDn(FAKE_AD_BASE_DN)) ? FAKE_AD_BASE_DN : '';
        done(RC.noSuchObject, `0000208D: NameErr: DSID-0310028C, problem 2001 (NO_OBJECT), data 0, best match of: '${matched}' (FAKE AD)`, matched);
        return;
      }
      const inScope = (e: FakeAdEntry) => {
        const d = normDn(e.dn);
        if (scope === 0) return d === nb;
        if (scope === 1) return d.endsWith(`,${nb}`) && !d.slice(0, -(nb.length + 1)).includes(',');
        return d === nb || d.endsWith(`,${nb}`);
      };
      const hits = entries.filter((e) => inScope(e) && matches(filter, e));
      const references = scope === 2 && nb === normDn(FAKE_AD_BASE_DN) ? FAKE_AD_ROOT_REFERENCES : [];
      const sendEntries = (list: FakeAdEntry[]) => {
        for (const e of list) send(message(id, tlv(OP.searchEntry, octets(e.dn), seq(...selectAttributes(e, attributes)))));
        log.entriesSent += list.length;
      };
      const sendReferences = () => {
        for (const r of references) send(message(id, tlv(OP.searchReference, octets(r))));
        log.referencesSent = references.length;
      };

      if (paged) {
        const size = Math.min(berInt(paged[0].value) || maxPageSize, maxPageSize);
        const cookie = paged[1]?.value ?? Buffer.alloc(0);
        const offset = cookie.length ? Number(cookie.toString('utf8')) : 0;
        const page = hits.slice(offset, offset + size);
        sendEntries(page);
        const next = offset + page.length;
        const more = next < hits.length;
        if (!more) sendReferences();
        const control = seq(octets(PAGED_OID), octets(seq(encInt(0), octets(more ? String(next) : ''))));
        done(RC.success, '', '', [], [control]);
        return;
      }
      const limit = Math.min(maxPageSize, sizeLimit > 0 ? sizeLimit : Infinity);
      if (hits.length > limit) {
        sendEntries(hits.slice(0, limit));
        done(RC.sizeLimitExceeded, 'Size limit exceeded (FAKE AD MaxPageSize)');
        return;
      }
      sendEntries(hits);
      sendReferences();
      done(RC.success);
    };

    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      try {
        while (!upgraded) {
          const n = completeTlvLength(pending);
          if (n === 0) break;
          const msg = pending.subarray(0, n);
          pending = pending.subarray(n);
          handle(msg);
        }
      } catch {
        socket.destroy(); // malformed request: AD drops the connection too
      }
    });
  }

  const plain: Server = createNetServer((s) => serve(s, false));
  const secure: Server = createTlsServer({ cert, key }, (s) => serve(s, true));
  const listen = (srv: Server) =>
    new Promise<number>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port));
    });
  const [port, tlsPort] = await Promise.all([listen(plain), listen(secure)]);

  return {
    url: `ldap://127.0.0.1:${port}`,
    ldapsUrl: `ldaps://127.0.0.1:${tlsPort}`,
    caCert,
    caCertPath: pki.caCertPath,
    baseDn: FAKE_AD_BASE_DN,
    usersOu: FAKE_AD_USERS_OU,
    groupDn: FAKE_AD_GROUP_DN,
    otherDomainDn: FAKE_AD_OTHER_DOMAIN_DN,
    readerDn: FAKE_AD_READER_DN,
    readerUpn: FAKE_AD_READER_UPN,
    readerPassword: FAKE_AD_READER_PASSWORD,
    users,
    groupMembers,
    manyGroups,
    maxPageSize,
    rangeStep,
    searches,
    binds,
    async stop() {
      for (const s of sockets) s.destroy();
      await Promise.all([plain, secure].map((srv) => new Promise<void>((r) => srv.close(() => r()))));
      await pki.dispose();
    },
  };
}
