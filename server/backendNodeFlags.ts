// Node/V8 options the backend process is started with (by the extension host and by the bench,
// so that what is measured is what runs). A bigger young generation: reading and mapping a
// directory allocates millions of short-lived objects (BER messages, attribute arrays), and with
// the default 16 MiB semi-spaces most of them are copied and promoted before they die; 32 MiB
// cuts the collector's share of an import or search by about a third for ~20 MB more memory.
export const backendNodeFlags: readonly string[] = ['--max-semi-space-size=32'];
