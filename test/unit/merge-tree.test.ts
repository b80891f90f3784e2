// Three-way tree merge and sops's set/unset semantics, on hand-built trees.
import { strict as assert } from 'node:assert';
import { mergeBranches } from '../../src/edit/merge.js';
import { renderConflictView } from '../../src/edit/conflictview.js';
import { setPath, unsetPath, valueEquals, PathNotFound } from '../../src/edit/treeops.js';
import { Comment, Mapping, type Value } from '../../src/sops/tree.js';

function m(obj: Record<string, Value>): Mapping {
  return new Mapping(Object.entries(obj).map(([key, value]) => ({ key, value })));
}
const keys = (x: Mapping) => x.items.map((it) => (typeof it.key === 'string' ? it.key : `#${it.key.text}`));

describe('three-way tree merge', () => {
  it('takes one-sided changes, additions and deletions from both sides', () => {
    const base = m({ a: '1', b: '2', c: '3', d: m({ x: '1', y: '2' }) });
    const ours = m({ a: 'A', b: '2', d: m({ x: '1', y: '2', z: 'new' }) }); // a changed, c deleted, z added
    const theirs = m({ a: '1', b: 'B', c: '3', d: m({ x: 'X', y: '2' }), e: '5' }); // b, d.x changed, e added
    const { branches, conflicts } = mergeBranches([base], [ours], [theirs]);
    assert.deepEqual(conflicts, []);
    assert.ok(valueEquals(branches[0], m({ a: 'A', b: 'B', d: m({ x: 'X', y: '2', z: 'new' }), e: '5' })));
  });

  it('places keys added on their side after their predecessor there', () => {
    const base = m({ a: '1', c: '3' });
    const theirs = m({ a: '1', b: '2', c: '3' });
    const { branches } = mergeBranches([base], [m({ a: '1', c: 'C' })], [theirs]);
    assert.deepEqual(keys(branches[0]!), ['a', 'b', 'c']);
  });

  it('reports a conflict per value changed differently on both sides and keeps ours there', () => {
    const base = m({ a: '1', b: '2', n: 1n });
    const { branches, conflicts } = mergeBranches([base], [m({ a: 'ours', b: '2', n: 2n })], [m({ a: 'theirs', b: 'B', n: 3n })]);
    assert.equal(conflicts.length, 2);
    assert.deepEqual(conflicts.map((c) => c.path), [['a'], ['n']]);
    assert.ok(valueEquals(branches[0], m({ a: 'ours', b: 'B', n: 2n })));
    const view = renderConflictView(conflicts, { file: 'f.yaml', ours: 'ours', theirs: 'theirs' });
    assert.match(view, /# \["n"\]\n<<<<<<< ours\n2\n\|\|\|\|\|\|\| base\n1\n=======\n3\n>>>>>>> theirs/);
  });

  it('same change on both sides is not a conflict; types matter (int 1 is not float 1)', () => {
    const base = m({ a: 1n });
    assert.deepEqual(mergeBranches([base], [m({ a: 2n })], [m({ a: 2n })]).conflicts, []);
    assert.equal(mergeBranches([base], [m({ a: 2n })], [m({ a: 2 })]).conflicts.length, 1);
  });

  it('modify/delete is a conflict; delete/untouched deletes', () => {
    const base = m({ a: '1', b: '2' });
    const r = mergeBranches([base], [m({ a: 'changed', b: '2' })], [m({ b: '2' })]);
    assert.equal(r.conflicts.length, 1);
    assert.equal(r.conflicts[0]!.theirs, undefined);
    assert.ok(valueEquals(r.branches[0], m({ a: 'changed', b: '2' })));
    const r2 = mergeBranches([base], [m({ a: '1' })], [m({ a: '1', b: '2' })]);
    assert.ok(valueEquals(r2.branches[0], m({ a: '1' })));
  });

  it('merges equal-length lists element by element, and comments with their key', () => {
    const base = new Mapping([{ key: new Comment(' c'), value: null }, { key: 'l', value: ['a', 'b'] }]);
    const ours = new Mapping([{ key: new Comment(' c2'), value: null }, { key: 'l', value: ['A', 'b'] }]);
    const theirs = new Mapping([{ key: new Comment(' c'), value: null }, { key: 'l', value: ['a', 'B'] }]);
    const { branches, conflicts } = mergeBranches([base], [ours], [theirs]);
    assert.deepEqual(conflicts, []);
    assert.deepEqual(keys(branches[0]!), ['# c2', 'l']);
    assert.deepEqual(branches[0]!.get('l'), ['A', 'B']);
  });

  it('a file added on both sides merges against an empty base', () => {
    const { branches, conflicts } = mergeBranches([], [m({ a: '1' })], [m({ b: '2' })]);
    assert.deepEqual(conflicts, []);
    assert.deepEqual(keys(branches[0]!), ['a', 'b']);
  });
});

describe('set and unset paths (sops semantics)', () => {
  it('creates missing keys, appends past the end, reports whether anything changed', () => {
    const t = m({ a: m({ b: '1' }), l: ['x'] });
    assert.equal(setPath(t, ['a', 'b'], '1'), false);
    assert.equal(setPath(t, ['a', 'b'], '2'), true);
    assert.equal(setPath(t, ['a', 'c', 'd'], true), true);
    assert.equal(setPath(t, ['l', 5], 'y'), true);
    assert.ok(valueEquals(t, m({ a: m({ b: '2', c: m({ d: true }) }), l: ['x', 'y'] })));
  });

  it('unset removes keys and elements and names a missing step', () => {
    const t = m({ a: m({ b: '1', c: '2' }), l: ['x', 'y'] });
    unsetPath(t, ['a', 'b']);
    unsetPath(t, ['l', 0]);
    assert.ok(valueEquals(t, m({ a: m({ c: '2' }), l: ['y'] })));
    assert.throws(() => unsetPath(t, ['a', 'zz']), (e: unknown) => e instanceof PathNotFound && /\["a"\]\["zz"\]/.test((e as Error).message));
  });
});
