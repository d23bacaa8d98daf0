// The HTML of every panel: a static template whose only substitutions are the CSP source, a
// fresh nonce and the URLs of the page's script and stylesheet. No data goes into it — a page
// gets its data from the reply to `webview/ready` — so nothing an LDAP entry contains can become
// markup. The CSP allows only our own files and the nonce'd script; no 'unsafe-inline'.
import { randomBytes } from 'node:crypto';

export type PageName = 'import' | 'resync' | 'realm' | 'user';

export interface PageHtmlOptions {
  page: PageName;
  /** `webview.cspSource`. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  title: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function pageHtml(o: PageHtmlOptions): string {
  if (!/^[A-Za-z0-9]+$/.test(o.nonce)) {
    throw new Error('A nonce must be alphanumeric.');
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>${attr(o.title)}</title>
</head>
<body data-page="${attr(o.page)}">
<main id="app" aria-busy="true"><p class="loading">Loading…</p></main>
<script nonce="${o.nonce}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}
