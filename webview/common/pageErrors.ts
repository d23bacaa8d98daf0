// Showing a failed request in a page: a banner with the host's message (written for the admin,
// saying what to do), and the control it names marked invalid when the error carries a field.
import { PageErrorCodes } from '../../protocol/webview';
import { PageRequestError } from './rpc';
import { h, replaceChildren } from './dom';

export function errorMessage(err: unknown): string {
  if (err instanceof PageRequestError || err instanceof Error) {
    return err.message;
  }
  return String(err);
}

export function isCancelled(err: unknown): boolean {
  return err instanceof PageRequestError && err.code === PageErrorCodes.cancelled;
}

/** The field an error reply names ("realm.url", "query"), if any. */
export function errorField(err: unknown): string | undefined {
  return err instanceof PageRequestError ? err.data.field : undefined;
}

/** Fills a banner area with the error (role=alert, so screen readers announce it). */
export function showBanner(area: HTMLElement, message: string, kind: 'error' | 'warning' | 'info' = 'error'): void {
  replaceChildren(area, h('div', { class: `banner ${kind === 'info' ? '' : kind}`.trim(), role: kind === 'error' ? 'alert' : 'status' }, message));
  area.hidden = false;
}

export function clearBanner(area: HTMLElement): void {
  area.replaceChildren();
  area.hidden = true;
}
