// Read-only markdown documents for reports, user details and audit logs (scheme
// `ldap-users-report`); they never prompt to save and disappear with the window.
import * as vscode from 'vscode';

export const reportScheme = 'ldap-users-report';
const keep = 30;

export class ReportDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private counter = 0;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(reportScheme, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.path) ?? '# This report is no longer available\n\nRun the command again.\n';
  }

  /** Opens `markdown` in a read-only editor titled `title`. */
  async show(title: string, markdown: string): Promise<void> {
    const safe = title.replace(/[\\/:*?"<>|#%]+/g, '-').slice(0, 80) || 'report';
    const path = `/${++this.counter}/${safe}.md`;
    this.contents.set(path, markdown);
    while (this.contents.size > keep) {
      const oldest = this.contents.keys().next().value as string;
      this.contents.delete(oldest);
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: reportScheme, path }));
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  dispose(): void {
    this.registration.dispose();
    this.contents.clear();
  }
}
