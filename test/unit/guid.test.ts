import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BerWriter } from 'ldapts';
import { guidBytesToText, guidTextToBytes, identityFilter, isGuidText } from '../../server/ldap/guid';

// Microsoft's documented vector (event 5136 doc, ldapts #104): first three groups byte-swapped.
const text = 'F4C2CE4E-1F08-4358-ABDC-FE3F035AF4CD';
const bytes = Buffer.from('4ecec2f4081f5843abdcfe3f035af4cd', 'hex');

describe('objectGUID text form', () => {
  it('matches the Microsoft vector in both directions', () => {
    assert.equal(guidBytesToText(bytes), text.toLowerCase());
    assert.deepEqual(guidTextToBytes(text), bytes);
    assert.deepEqual(guidTextToBytes(`{${text.toLowerCase()}}`), bytes);
  });

  it('round-trips any 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        const t = guidBytesToText(b);
        assert.ok(isGuidText(t));
        assert.deepEqual(guidTextToBytes(t), Buffer.from(b));
      }),
    );
  });

  it('refuses wrong lengths and malformed text', () => {
    assert.throws(() => guidBytesToText(Buffer.alloc(15)), RangeError);
    assert.throws(() => guidTextToBytes('not-a-guid'), RangeError);
    assert.throws(() => guidTextToBytes('f4c2ce4e1f084358abdcfe3f035af4cd'), RangeError);
  });

  it('searches objectGUID with the raw 16 bytes on the wire, entryUUID as text', () => {
    const w = new BerWriter();
    identityFilter('objectGUID', text).write(w);
    const wire = w.buffer;
    assert.ok(wire.includes(bytes), 'the 16 raw bytes are in the BER encoding');
    assert.equal(wire.length, 2 + 2 + 'objectGUID'.length + 2 + 16);

    const uuid = '54b74b38-2e6b-103f-8b4e-8d1b6d1c6f0e';
    const w2 = new BerWriter();
    identityFilter('entryUUID', uuid).write(w2);
    assert.ok(w2.buffer.includes(Buffer.from(uuid)));
  });
});
