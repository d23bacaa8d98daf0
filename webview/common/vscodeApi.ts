// The one handle a page has on VS Code: postMessage to its host and a per-panel state slot.
// `acquireVsCodeApi` may be called only once per page, so every module goes through here.

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;

export function vscodeApi(): VsCodeApi {
  api ??= acquireVsCodeApi();
  return api;
}
