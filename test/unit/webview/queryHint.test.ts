// The live hint under the Import page's Query box reads the text the way the backend will
// (PROTOCOL.md realm/search, mode auto), and refuses filters the backend would refuse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkFilter, describeQuery } from '../../../webview/import/queryHint';

describe('query hint', () => {
  it('empty text cannot be searched', () => {
    const hint = describeQuery('   ');
    assert.equal(hint.kind, 'empty');
    assert.equal(hint.searchable, false);
  });

  it('* lists everyone the user filter matches, and says resync is possible with a realm', () => {
    assert.equal(describeQuery('*').kind, 'all');
    assert.match(describeQuery('*', 'auto', 'Corp').text, /user filter of “Corp”.*resynchronized/);
    assert.match(describeQuery('*', 'auto', null).text, /every enabled directory/);
  });

  it('text starting with ( is an LDAP filter ANDed with the user filter', () => {
    const hint = describeQuery('(department=Sales)', 'auto', 'Corp');
    assert.equal(hint.kind, 'filter');
    assert.match(hint.text, /combined \(AND\) with the user filter of “Corp”/);
  });

  it('anything else is keywords that must all match; * is a wildcard, specials are literal', () => {
    const hint = describeQuery('ali*  smith');
    assert.equal(hint.kind, 'keywords');
    assert.deepEqual(hint.terms, ['ali*', 'smith']);
    assert.match(hint.text, /each must match part of the username, name/);
    assert.match(hint.text, /\* is a wildcard/);
    assert.match(describeQuery('o(neil)').text, /matched as typed/);
    assert.equal(describeQuery('o(neil)').kind, 'keywords');
  });

  it('an explicit mode wins over the automatic reading', () => {
    assert.equal(describeQuery('*', 'username').kind, 'username');
    assert.equal(describeQuery('(uid=a)', 'keyword').kind, 'keywords');
    assert.equal(describeQuery('uid=a', 'filter').kind, 'invalid');
  });

  it('filters the backend refuses are flagged before searching', () => {
    assert.equal(checkFilter('(&(uid=a)(mail=b))'), null);
    assert.equal(checkFilter('(cn=a\\2ab)'), null);
    assert.match(checkFilter('(uid=a') ?? '', /unbalanced/);
    assert.match(checkFilter('(uid=a))') ?? '', /unmatched \)/);
    assert.match(checkFilter('(uid=a)(uid=b)') ?? '', /more than one filter/);
    assert.match(checkFilter('(cn=a\\zz)') ?? '', /two hex digits/);
    assert.match(checkFilter('(&())') ?? '', /empty/);
    assert.match(checkFilter('('.repeat(40) + 'a=b' + ')'.repeat(40)) ?? '', /nested deeper than 32/);
    assert.match(checkFilter('(cn=' + 'x'.repeat(5000) + ')') ?? '', /longer than 4096 bytes/);
    const invalid = describeQuery('(uid=a');
    assert.equal(invalid.kind, 'invalid');
    assert.equal(invalid.searchable, false);
  });
});
