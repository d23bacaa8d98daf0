// The panels' HTML: a strict CSP (nonce-only scripts, own styles, no 'unsafe-inline'), one
// nonce'd script, and nothing but the fixed substitutions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentSecurityPolicy, newNonce, pageHtml } from '../../../extension/webviews/pageHtml';

describe('page HTML', () => {
  const nonce = newNonce();
  const html = pageHtml({
    page: 'import',
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce,
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/import.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/page.css',
    title: 'Import LDAP Users',
  });

  it('has a strict CSP', () => {
    const csp = contentSecurityPolicy('https://x.test', nonce);
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, new RegExp(`script-src 'nonce-${nonce}'`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    const inPage = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1];
    assert.equal(inPage, contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', nonce));
  });

  it('loads exactly one script, with the nonce, and no inline code or styles', () => {
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0]!, new RegExp(`nonce="${nonce}" src="https://`));
    assert.match(html, /<script[^>]*><\/script>/);
    assert.doesNotMatch(html, /style=|<style|\son[a-z]+=/i);
  });

  it('nonces are fresh and alphanumeric', () => {
    const a = newNonce();
    const b = newNonce();
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9]{16,}$/);
    assert.throws(() => pageHtml({ page: 'user', cspSource: 'x', nonce: 'a"b', scriptUri: 'u', styleUri: 's', title: 't' }));
  });
});
