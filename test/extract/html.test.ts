import assert from 'node:assert/strict';
import { extract } from '../../src/extract/index.js';
import { assertValid, corpus, PY_HTML, rejectsCode, sectionTexts } from './helpers.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Text of the Sphinx sidebar, header bar and footer navigation of the Python docs. */
const PY_NAV = [/Quick search/, /Previous topic/, /Next topic/, /This Page/, /Show Source/, /Report a Bug/, /\bmodules \|/, /Table of Contents/];

describe('extract: html', function () {
  this.timeout(20_000);

  it('python3.11-doc json.html: the article, with its sections, and none of the navigation', async () => {
    const r = await extract({ bytes: corpus(`${PY_HTML}/json.html`), name: 'json.html' });
    assertValid(r);
    assert.equal(r.format, 'html');
    assert.match(r.title ?? '', /^json — JSON encoder and decoder/);
    assert.match(r.text, /JSON \(JavaScript Object Notation\), specified by RFC 7159/);
    assert.match(r.text, /json\.dumps\(\['foo', \{'bar': \('baz', None, 1\.0, 2\)\}\]\)/, '<pre> examples are kept');
    for (const nav of PY_NAV) assert.doesNotMatch(r.text, nav);
    assert.ok(!r.text.includes('¶'), 'heading permalinks are gone');
    assert.doesNotMatch(r.text, /function\s*\(|var \w+ =|\{\s*display:/, 'no script or style text');
    const paths = r.sections.map((s) => s.headingPath.join(' > '));
    assert.ok(paths.includes('Basic Usage'));
    assert.ok(paths.includes('Standard Compliance and Interoperability > Character Encodings'));
    const basic = sectionTexts(r).find((s) => s.path === 'Basic Usage')!;
    assert.ok(basic.text.startsWith('Basic Usage\n\n'), 'a heading is on its own line, then a blank line');
  });

  it('a page that is mostly links (filesys.html) still yields its main content, not the footer', async () => {
    const r = await extract({ bytes: corpus(`${PY_HTML}/filesys.html`), name: 'filesys.html' });
    assertValid(r);
    assert.match(r.text, /The modules described in this chapter deal with disk files and directories/);
    assert.match(r.text, /pathlib — Object-oriented filesystem paths/);
    for (const nav of PY_NAV) assert.doesNotMatch(r.text, nav);
  });

  it('hand-made page: headings give heading paths, blocks become paragraphs, scripts and styles never leak', async () => {
    const html = `<!doctype html><html><head><title>Manual</title><style>p { color: red }</style>
      <script>var leaked = "SCRIPT";</script></head><body>
      <nav><a href="/">Home</a> | <a href="/x">NAVLINK</a></nav>
      <main><article>
        <h1>Top</h1><p>First   paragraph
        spans lines.</p><script>document.write("SCRIPT2")</script>
        <h2>Child</h2><p>Line one<br>line two</p><ul><li>item a</li><li>item b</li></ul>
        <pre>  indented
    code</pre>
        <h3>Grandchild</h3><p>Deep text.</p><noscript>NOSCRIPT</noscript>
        <h2>Sibling</h2><p>${'More words to make this an article. '.repeat(20)}</p>
      </article></main><footer>FOOTER</footer></body></html>`;
    const r = await extract({ bytes: utf8(html), name: 'm.html' });
    assertValid(r);
    assert.equal(r.title, 'Manual');
    for (const leak of ['SCRIPT', 'color: red', 'NOSCRIPT', 'NAVLINK', 'FOOTER']) assert.ok(!r.text.includes(leak), `${leak} leaked`);
    assert.ok(r.text.includes('First paragraph spans lines.\n\n'));
    assert.ok(r.text.includes('Line one\nline two\n\nitem a\n\nitem b'));
    assert.ok(r.text.includes('  indented\n    code'), '<pre> keeps its whitespace');
    const paths = r.sections.map((s) => s.headingPath);
    // Readability turns h1 into h2 inside the article, so Top and Child may be siblings or nested:
    // what must hold is that Grandchild sits under Child and Sibling does not.
    const grand = paths.find((p) => p[p.length - 1] === 'Grandchild')!;
    assert.deepEqual(grand.slice(-2), ['Child', 'Grandchild']);
    const sibling = paths.find((p) => p[p.length - 1] === 'Sibling')!;
    assert.ok(!sibling.includes('Child'));
  });

  it('without an article, falls back to <body> text minus navigation; headings still nest', async () => {
    const html = '<html><body><nav>Menu Home About</nav><h1>A</h1><p>alpha</p><h2>B</h2><p>beta</p><footer>foot</footer></body></html>';
    const r = await extract({ bytes: utf8(html) });
    assertValid(r);
    assert.ok(r.text.includes('alpha') && r.text.includes('beta'));
    assert.ok(!r.text.includes('Menu Home'));
    assert.deepEqual(r.sections.at(-1)!.headingPath.slice(-1), ['B']);
  });

  it('markup nested absurdly deep is refused at once (ERR_EXTRACT_CORRUPT); merely deep markup skips Readability', async () => {
    const hostile = `<html><body>${'<div>'.repeat(100_000)}x${'</div>'.repeat(100_000)}</body></html>`;
    await rejectsCode(extract({ bytes: utf8(hostile) }), 'ERR_EXTRACT_CORRUPT', /nests elements about 100002 deep/);
    const deep = `<html><body>${'<div>'.repeat(600)}<p>deep text</p>${'</div>'.repeat(600)}</body></html>`;
    assert.equal((await extract({ bytes: utf8(deep) })).text, 'deep text');
  });

  it('an empty page is ERR_EXTRACT_NO_TEXT; one over maxChars is ERR_EXTRACT_TOO_LARGE', async () => {
    await rejectsCode(extract({ bytes: utf8('<html><head><title>t</title><script>x()</script></head><body>  </body></html>') }), 'ERR_EXTRACT_NO_TEXT');
    await rejectsCode(extract({ bytes: corpus(`${PY_HTML}/json.html`), name: 'json.html' }, { maxChars: 5000 }), 'ERR_EXTRACT_TOO_LARGE');
  });
});
