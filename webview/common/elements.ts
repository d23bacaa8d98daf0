// The vscode-elements components the pages use, registered once. Each import defines its custom
// element; the components are CSP-compliant (no inline styles) since vscode-elements 1.12.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-form-helper/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';

export type TextField = HTMLElementTagNameMap['vscode-textfield'];
export type TextArea = HTMLElementTagNameMap['vscode-textarea'];
export type SingleSelect = HTMLElementTagNameMap['vscode-single-select'];
export type MultiSelect = HTMLElementTagNameMap['vscode-multi-select'];
export type Button = HTMLElementTagNameMap['vscode-button'];
export type Checkbox = HTMLElementTagNameMap['vscode-checkbox'];
