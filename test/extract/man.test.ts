import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { extract } from '../../src/extract/index.js';
import { assertValid, corpus, MAN1, rejectsCode, sectionTexts } from './helpers.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Roff that must not survive extraction: font escapes, requests at line start, special-character escapes. */
const ROFF_LEFT = /\\f[BIRP(\[]|^\.[A-Za-z]{1,2}\b|\\\(|\\\*/m;

const PAGE = String.raw`.\" A comment line that must vanish
.TH DEMO 1 "2024-01-01" "demo 1.0" "User Commands"
.de Ex
.nf
\\$1 \\$2
.fi
..
.ds Pr \fBdemo\fP
.SH NAME
demo \- show roff \(em decoding
.SH SYNOPSIS
.B demo
[\fIOPTION\fR]... \fIFILE\fR
.SH DESCRIPTION
\*(Pr reads
files \" trailing comment
and writes \*(lqtext\*(rq.
.PP
See
.BR ls (1),
and
.IR cat (1).
.SS Options
.TP
.BR \-a ", " \-\-all
show all\c
\&entries
.TP
\fB\-v\fR
verbose
.IP \(bu 2
bullet item
.ie n .SS "Terminal only"
.el .SS "Typeset only"
Text under the terminal heading.
.if t \{\
.SS Hidden
This never shows.
.\}
.SH EXAMPLES
.Ex run fast
.TS
tab(:);
l l.
Key:Value
a:b
.TE
`;

describe('extract: man', () => {
  it('a real man page (ls.1.gz): title, NAME/SYNOPSIS/DESCRIPTION sections, options, no roff left', async () => {
    const r = await extract({ bytes: corpus(`${MAN1}/ls.1.gz`), name: 'ls.1.gz' });
    assertValid(r);
    assert.equal(r.format, 'man');
    assert.equal(r.title, 'LS(1)');
    const paths = r.sections.map((s) => s.headingPath.join(' > '));
    assert.deepEqual(paths.slice(0, 3), ['NAME', 'SYNOPSIS', 'DESCRIPTION']);
    assert.match(r.text, /^NAME\n\nls - list directory contents\n\nSYNOPSIS\n\nls \[OPTION\]\.\.\. \[FILE\]\.\.\./);
    assert.match(r.text, /\n-a, --all\ndo not ignore entries starting with \.\n/);
    assert.doesNotMatch(r.text, ROFF_LEFT);
  });

  it('real pages of other styles: bash (nested .SS), CA.pl (pod2man), ssh (mdoc)', async () => {
    const bash = await extract({ bytes: corpus(`${MAN1}/bash.1.gz`), name: 'bash.1.gz' });
    assertValid(bash);
    assert.ok(bash.sections.some((s) => s.headingPath.join(' > ') === 'SHELL GRAMMAR > Pipelines'));
    assert.doesNotMatch(bash.text, ROFF_LEFT);

    const pod = await extract({ bytes: corpus(`${MAN1}/CA.pl.1ssl.gz`), name: 'CA.pl.1ssl.gz' });
    assertValid(pod);
    assert.match(pod.text, /CA\.pl - friendlier interface for OpenSSL certificate programs/);
    assert.doesNotMatch(pod.text, ROFF_LEFT);

    const ssh = await extract({ bytes: corpus(`${MAN1}/ssh.1.gz`) });
    assertValid(ssh);
    assert.equal(ssh.title, 'SSH(1)');
    assert.match(ssh.text, /ssh — OpenSSH remote login client/);
    assert.match(ssh.text, /ssh \[-46AaCfGgKkMNnqsTtVvXxYy\] \[-B bind_interface\]/);
    assert.deepEqual(ssh.sections.slice(0, 3).map((s) => s.headingPath), [['NAME'], ['SYNOPSIS'], ['DESCRIPTION']]);
  });

  it('decodes escapes, strings, fonts, tags, conditions, macros and tables of a hand-made page', async () => {
    const r = await extract({ bytes: utf8(PAGE), name: 'demo.1' });
    assertValid(r);
    assert.equal(r.title, 'DEMO(1)');
    assert.deepEqual(sectionTexts(r), [
      { path: 'NAME', text: 'NAME\n\ndemo - show roff — decoding\n\n' },
      { path: 'SYNOPSIS', text: 'SYNOPSIS\n\ndemo [OPTION]... FILE\n\n' },
      { path: 'DESCRIPTION', text: 'DESCRIPTION\n\ndemo reads files and writes “text”.\n\nSee ls(1), and cat(1).\n\n' },
      { path: 'DESCRIPTION > Options', text: 'Options\n\n-a, --all\nshow allentries\n\n-v\nverbose\n\n•\nbullet item\n\n' },
      { path: 'DESCRIPTION > Terminal only', text: 'Terminal only\n\nText under the terminal heading.\n\n' },
      { path: 'EXAMPLES', text: 'EXAMPLES\n\nrun fast\n\nKey | Value\na | b' },
    ]);
  });

  it('a gzip bomb is ERR_EXTRACT_BOMB at maxDecompressedBytes; broken gzip is ERR_EXTRACT_CORRUPT', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('.TH BOMB 1\n.SH NAME\n'), Buffer.alloc(8_000_000, 0x20)]), { level: 9 });
    await rejectsCode(extract({ bytes: bomb, name: 'bomb.1.gz' }, { maxDecompressedBytes: 1_000_000 }), 'ERR_EXTRACT_BOMB', /1000000 bytes/);
    const real = corpus(`${MAN1}/ls.1.gz`);
    await rejectsCode(extract({ bytes: real.subarray(0, real.length - 100), name: 'ls.1.gz' }), 'ERR_EXTRACT_CORRUPT', /gzip/);
  });

  it('strings and macros that expand exponentially stay bounded', async () => {
    const refs = (name: string): string => Array.from({ length: 10 }, () => `\\*${name}`).join('');
    const strings = ['.TH X 1', `.ds a ${refs('b')}`, `.ds b ${refs('c')}`, `.ds c ${refs('d')}`, `.ds d ${refs('e')}`, `.ds e ${refs('f')}`, '.ds f word', '.SH A', '\\*a'];
    const r = await extract({ bytes: utf8(strings.join('\n')), name: 'x.1' });
    assert.ok(r.text.includes('wordword'), 'strings do expand');
    assert.ok(r.text.length < 20_000, `${r.text.length} characters`);
    const macros = ['.TH X 1', '.de a', '.b', '.b', '..', '.de b', '.a', '.a', 'word', '..', '.SH A', '.a'];
    const m = await extract({ bytes: utf8(macros.join('\n')), name: 'x.1' });
    assert.ok(m.text.includes('word word'), 'macros do expand');
    assert.ok(m.text.length < 2_000_000, `${m.text.length} characters`);
  });

  it('a page with no text (only requests) is ERR_EXTRACT_NO_TEXT', async () => {
    await rejectsCode(extract({ bytes: utf8('.TH EMPTY 1\n.so man1/other.1\n'), name: 'x.1' }), 'ERR_EXTRACT_NO_TEXT');
  });
});
