// Long backend operations (search, import, resync, test) under a progress notification with a
// Cancel button: cancelling sends $/cancelRequest (the backend writes nothing), and the
// backend's operation/progress notifications for this operation move the bar.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { OperationProgressNotification } from '../../protocol/rpc';
import type { BackendClient } from '../backend/backendClient';

export class OperationRunner {
  constructor(private readonly backend: BackendClient) {}

  run<R>(title: string, fn: (operationId: string, token: vscode.CancellationToken) => Promise<R>): Promise<R> {
    return Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        async (progress, token) => {
          const operationId = randomUUID();
          let lastPercent = 0;
          const sub = this.backend.onNotification(OperationProgressNotification, (p) => {
            if (p.operationId !== operationId) {
              return;
            }
            if (p.total && p.total > 0) {
              const percent = Math.min(100, (p.done / p.total) * 100);
              progress.report({ message: p.message, increment: Math.max(0, percent - lastPercent) });
              lastPercent = percent;
            } else {
              progress.report({ message: p.message });
            }
          });
          try {
            return await fn(operationId, token);
          } finally {
            sub.dispose();
          }
        },
      ),
    );
  }
}
