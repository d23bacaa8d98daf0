// A stand-in for the `vscode` module, ONLY for unit tests of extension logic that the VS Code API
// cannot run outside VS Code (tree items, event emitters). Importing this file makes every later
// `require('vscode')` return it. It holds plain data classes and records what the code asked for;
// what real VS Code does with them (rendering, menus, commands) is covered by the end-to-end suite
// in test/e2e (code-server driven by Chromium).
import Module from 'node:module';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(data: T): void {
    for (const l of [...this.listeners]) {
      l(data);
    }
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export enum TreeItemCollapsibleState {
  None = 0,
  Collapsed = 1,
  Expanded = 2,
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}

export class MarkdownString {
  constructor(
    public value = '',
    readonly supportThemeIcons = false,
  ) {}
  appendMarkdown(text: string): this {
    this.value += text;
    return this;
  }
}

export class TreeItem {
  id?: string;
  description?: string;
  iconPath?: unknown;
  contextValue?: string;
  tooltip?: unknown;
  command?: { command: string; title: string; arguments?: unknown[] };
  constructor(
    readonly label: string,
    readonly collapsibleState: TreeItemCollapsibleState = TreeItemCollapsibleState.None,
  ) {}
}

/** setContext calls and other executed commands, newest last. */
export const executedCommands: { command: string; args: unknown[] }[] = [];

export const commands = {
  executeCommand: async (command: string, ...args: unknown[]) => {
    executedCommands.push({ command, args });
    return undefined;
  },
};

const fake = { EventEmitter, TreeItemCollapsibleState, ThemeColor, ThemeIcon, MarkdownString, TreeItem, commands };

// Route `require('vscode')` here (the extension is CommonJS; tsx compiles test imports to require).
const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
const originalLoad = loader._load;
loader._load = function (request: string, parent: unknown, isMain: boolean) {
  return request === 'vscode' ? fake : originalLoad.call(this, request, parent, isMain);
};
