// Words for operation reports: the one-line summary ("Imported 12, updated 3, 1 conflict") and
// the full markdown report. Pure, unit-tested.
import type { AuditEntry, FieldChange, OperationReport, RealmTestResult, UserDetail } from '../../protocol/model';

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export type ReportKind = 'import' | 'resync';

export function summarizeReport(report: OperationReport, kind: ReportKind, dryRun = false): string {
  const parts: string[] = [];
  const created = kind === 'import' ? (dryRun ? 'would import' : 'Imported') : dryRun ? 'would create' : 'Created';
  if (report.created > 0 || kind === 'import') {
    parts.push(`${created} ${report.created}`);
  }
  parts.push(`${dryRun ? 'would update' : 'updated'} ${report.updated}`);
  if (report.unchanged > 0) {
    parts.push(`${report.unchanged} unchanged`);
  }
  if (report.conflicts > 0) {
    parts.push(count(report.conflicts, 'conflict'));
  }
  if (report.missing > 0) {
    parts.push(`${report.missing} missing from LDAP`);
  }
  if (report.failed.length > 0) {
    parts.push(`${report.failed.length} failed`);
  }
  const text = parts.join(', ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function formatValue(v: FieldChange['before']): string {
  if (v === null || v === '') {
    return '—';
  }
  return typeof v === 'boolean' ? (v ? 'yes' : 'no') : v;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function reportMarkdown(title: string, report: OperationReport, kind: ReportKind, when = new Date()): string {
  const lines = [`# ${title}`, '', `${when.toISOString()} — ${summarizeReport(report, kind)}.`, ''];
  lines.push('| created | updated | unchanged | conflicts | missing | failed |', '|---|---|---|---|---|---|');
  lines.push(
    `| ${report.created} | ${report.updated} | ${report.unchanged} | ${report.conflicts} | ${report.missing} | ${report.failed.length} |`,
    '',
  );
  const details = report.conflictDetails ?? [];
  if (details.length > 0) {
    lines.push('## Conflicts', '', ...details.map((f) => `- ${cell(f.username ?? f.dn ?? '?')}: ${cell(f.reason)}`), '');
  }
  if (report.failed.length > 0) {
    lines.push('## Failed', '', ...report.failed.map((f) => `- ${cell(f.username ?? f.dn ?? '?')}: ${cell(f.reason)}`), '');
  }
  if (report.changes.length > 0) {
    lines.push('## Changes', '', '| user | field | before | after |', '|---|---|---|---|');
    for (const change of report.changes) {
      if (change.fields.length === 0) {
        lines.push(`| ${cell(change.username)} | (new) | | |`);
      }
      for (const f of change.fields) {
        lines.push(`| ${cell(change.username)} | ${cell(f.field)} | ${cell(formatValue(f.before))} | ${cell(formatValue(f.after))} |`);
      }
    }
    lines.push('');
  }
  return lines.join('\n');
}

export function changesText(changes: FieldChange[]): string {
  if (changes.length === 0) {
    return 'Nothing to change: the user matches the directory.';
  }
  return changes.map((c) => `${c.field}: ${formatValue(c.before)} → ${formatValue(c.after)}`).join('\n');
}

export function testResultSummary(name: string, result: RealmTestResult): string {
  const steps = result.steps.map((s) => `${s.name} ${s.ok ? `${s.ms} ms` : 'failed'}`).join(', ');
  if (result.ok) {
    const sample = result.sample.slice(0, 3).map((e) => e.username);
    return `Connected to "${name}": ${steps}.${sample.length > 0 ? ` First users: ${sample.join(', ')}.` : ' No users matched the user filter.'}`;
  }
  const failed = result.steps.find((s) => !s.ok);
  return `Test of "${name}" failed at ${failed ? `"${failed.name}"` : 'an unknown step'}${
    failed?.message ? `: ${failed.message}` : ''
  } (${steps}).`;
}

export function testResultMarkdown(name: string, result: RealmTestResult): string {
  const lines = [`# Test connection: ${name}`, '', result.ok ? 'Result: **connected**' : 'Result: **failed**', ''];
  lines.push('| step | result | time | message |', '|---|---|---|---|');
  for (const s of result.steps) {
    lines.push(`| ${s.name} | ${s.ok ? 'ok' : 'failed'} | ${s.ms} ms | ${cell(s.message ?? '')} |`);
  }
  if (result.serverInfo) {
    lines.push('', '## Server', '');
    if (result.serverInfo.vendor) {
      lines.push(`- Vendor: ${cell(result.serverInfo.vendor)}`);
    }
    for (const nc of result.serverInfo.namingContexts ?? []) {
      lines.push(`- Naming context: \`${nc}\``);
    }
  }
  if (result.sample.length > 0) {
    lines.push('', '## First users', '', '| username | name | email | DN |', '|---|---|---|---|');
    for (const e of result.sample) {
      lines.push(`| ${cell(e.username)} | ${cell(e.displayName)} | ${cell(e.email)} | ${cell(e.dn)} |`);
    }
  }
  return lines.join('\n') + '\n';
}

export function auditMarkdown(title: string, entries: AuditEntry[]): string {
  const lines = [`# ${title}`, ''];
  if (entries.length === 0) {
    lines.push('No audit entries.');
  } else {
    lines.push('| when | who | action | user | changes |', '|---|---|---|---|---|');
    for (const e of entries) {
      const changes = e.changes.map((c) => `${c.field}: ${formatValue(c.before)} → ${formatValue(c.after)}`).join('; ');
      lines.push(`| ${e.at} | ${cell(e.actor)} | ${cell(e.action)} | ${cell(e.username ?? '')} | ${cell(changes)} |`);
    }
  }
  return lines.join('\n') + '\n';
}

export function userMarkdown(detail: UserDetail): string {
  const u = detail.user;
  const lines = [`# ${u.displayName || u.username}`, ''];
  const row = (k: string, v: string | undefined | boolean) =>
    v !== undefined && v !== '' ? lines.push(`| ${k} | ${cell(typeof v === 'boolean' ? (v ? 'yes' : 'no') : v)} |`) : 0;
  lines.push('| field | value |', '|---|---|');
  row('Username', u.username);
  row('Category', u.category);
  row('Realm', detail.realm?.name);
  row('Display name', u.displayName);
  row('Given name', u.givenName);
  row('Surname', u.surname);
  row('Email', u.email);
  row('Department', u.department);
  row('Title', u.title);
  row('Phone', u.phone);
  row('Login enabled', u.loginEnabled);
  if (u.category === 'external') {
    row('Disabled in LDAP', u.ldapDisabled);
    row('Missing from LDAP since', u.missingSince);
    row('DN', u.ldapDn);
    row('UUID', u.ldapUuid);
    row('Imported', u.importedAt);
    row('Last sync', u.syncedAt);
  }
  lines.push('', '## Roles', '');
  lines.push(...(detail.roles.length > 0 ? detail.roles.map((r) => `- ${r.name}${r.scope ? ` (${r.scope})` : ''}`) : ['No roles.']));
  if (detail.audit.length > 0) {
    lines.push('', auditMarkdown('Recent changes', detail.audit).replace(/^# /, '## '));
  }
  return lines.join('\n') + '\n';
}
