import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cookieValues, matchingTokens, safeDecode } from '../../src-main/api/http-auth.js';
import { stateChangeRefusal } from '../../src-main/api/http-guard.js';
import { decodePath, parseTarget } from '../../src-main/api/http-target.js';
import { jsonDepth, MAX_JSON_DEPTH, parseJson } from '../../src-main/api/json-body.js';

/** The parsers `vitlab serve` runs on untrusted text: none may throw, whatever it gets. */

/** The nesting depth of a parsed JSON value, by recursion (fine for the small values generated here). */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

describe('cookies and tokens', () => {
  it('reads the named cookie, quoted or escaped; a malformed escape is no value, not an exception', () => {
    expect(cookieValues('a=1; vitlab_token=abc%2Fd; b=2', 'vitlab_token')).toEqual(['abc/d']);
    expect(cookieValues('vitlab_token="q"', 'vitlab_token')).toEqual(['q']);
    expect(cookieValues('vitlab_token=%', 'vitlab_token')).toEqual([]);
    expect(cookieValues('vitlab_token=%; vitlab_token=ok', 'vitlab_token')).toEqual(['ok']);
    expect(cookieValues(undefined, 'vitlab_token')).toEqual([]);
    expect(safeDecode('%E0%A4%A')).toBeNull();
  });

  it('never throws on any cookie, bearer or query text', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (cookie, auth, query) => {
        const m = matchingTokens({ cookie, authorization: auth }, new URLSearchParams(query), 'secret');
        expect(m.size).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('says which credential matched; a wrong one beside a right one does not spoil it', () => {
    const m = matchingTokens({ authorization: 'Bearer secret', cookie: 'vitlab_token=wrong' }, new URLSearchParams('token=x&token=secret'), 'secret');
    expect([...m].sort()).toEqual(['bearer', 'query']);
  });
});

describe('request targets and static paths', () => {
  it('only the origin form is a target; the query is read without throwing', () => {
    expect(parseTarget('//[')).toMatchObject({ ok: true, pathname: '//[' });
    expect(parseTarget('*').ok).toBe(false);
    expect(parseTarget('http://evil/x').ok).toBe(false);
    const t = parseTarget('/a%zz?token=%&x=1#frag?token=no');
    expect(t.ok && t.pathname).toBe('/a%zz');
    expect(t.ok && t.query.getAll('token')).toEqual(['%']);
    expect(decodePath('/%')).toMatchObject({ ok: false });
    expect(decodePath('/a%00b')).toMatchObject({ ok: false, message: 'path contains a NUL byte' });
    fc.assert(
      fc.property(fc.string(), (s) => {
        parseTarget(s);
        decodePath(s);
      }),
      { numRuns: 500 },
    );
  });
});

describe('state-changing requests', () => {
  const port = 4000;
  const json = { 'content-type': 'application/json' };
  it('need our Origin, or none and the bearer header, and JSON', () => {
    expect(stateChangeRefusal({ ...json, origin: 'http://127.0.0.1:4000' }, port, new Set(['cookie']))).toBeNull();
    expect(stateChangeRefusal({ ...json, origin: 'http://localhost:4000' }, port, new Set(['cookie']))).toBeNull();
    expect(stateChangeRefusal({ ...json }, port, new Set(['bearer']))).toBeNull();
    expect(stateChangeRefusal({ ...json }, port, new Set(['cookie', 'query']))?.code).toBe('forbidden');
    expect(stateChangeRefusal({ ...json, origin: 'http://127.0.0.1:4001' }, port, new Set(['bearer']))?.code).toBe('forbidden');
    expect(stateChangeRefusal({ ...json, origin: 'null' }, port, new Set(['cookie']))?.code).toBe('forbidden');
    expect(stateChangeRefusal({ 'content-type': 'text/plain', origin: 'http://127.0.0.1:4000' }, port, new Set(['cookie']))?.code).toBe('unsupported_media_type');
    expect(stateChangeRefusal({ 'content-type': 'Application/JSON; charset=utf-8' }, port, new Set(['bearer']))).toBeNull();
  });
});

describe('JSON from the wire', () => {
  it('counts depth like the parsed value does, strings and escapes included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const text = JSON.stringify(v);
        expect(jsonDepth(text)).toBe(depthOf(v));
      }),
      { numRuns: 500 },
    );
    expect(jsonDepth('{"a":"[[[\\"{{"}')).toBe(1);
  });

  it('refuses too deep, not UTF-8 and not JSON with a message; accepts the limit itself', () => {
    const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(parseJson(nest(MAX_JSON_DEPTH))).toMatchObject({ ok: true });
    expect(parseJson(nest(MAX_JSON_DEPTH + 1))).toMatchObject({ ok: false, message: `body nests arrays/objects deeper than ${MAX_JSON_DEPTH} levels` });
    expect(parseJson(nest(1_000_000))).toMatchObject({ ok: false });
    expect(parseJson(Buffer.from([0x7b, 0xff, 0x7d]))).toMatchObject({ ok: false, message: 'body is not valid UTF-8' });
    expect(parseJson('{not json')).toMatchObject({ ok: false });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        parseJson(Buffer.from(b));
      }),
      { numRuns: 500 },
    );
  });
});
