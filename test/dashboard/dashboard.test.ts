/**
 * The live dashboard in headless Chromium (Debian's `chromium`, driven by playwright-core), served by
 * a real pipeline on real nats-server, PostgreSQL and Chroma: it loads under its own
 * Content-Security-Policy without an error, shows the stages as a pipeline, and its numbers move
 * while documents are ingested; a failed document appears with its code and reason, as text.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startPipeline, type PipelineHarness } from '../harness/pipeline.js';
import { DocflowNode } from '../../src/runtime/node.js';
import { silentLogger } from '../../src/log.js';

/** Debian's package; DOCFLOW_CHROMIUM names another build. */
const CHROMIUM = process.env['DOCFLOW_CHROMIUM'] ?? '/usr/bin/chromium';

const STAGES = ['load', 'extract', 'split', 'embed', 'index', 'knowledge'];

const figure = (page: Page, stage: string, field: string): Promise<number> =>
  page.locator(`[data-stage="${stage}"] dd[data-field="${field}"]`).getAttribute('data-v').then(Number);

/** The page's DOM, as far as the functions run in Chromium use it (the project has no DOM types). */
declare const document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };

/** Wait until a figure of the page reaches `n` (the page's CSP forbids string evaluation: a function it is). */
const figureReaches = (page: Page, stage: string, field: string, n: number): Promise<unknown> =>
  page.waitForFunction(([sel, min]) => Number(document.querySelector(sel)?.getAttribute('data-v')) >= min, [`[data-stage="${stage}"] dd[data-field="${field}"]`, n] as const, { timeout: 15_000 });

describe('the live dashboard in headless Chromium', function () {
  this.timeout(180_000);
  let h: PipelineHarness;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's chromium (npm run system does) or set DOCFLOW_CHROMIUM`);
    h = await startPipeline({ overrides: { 'metrics.enabled': true, 'metrics.port': 0, 'metrics.dashboard': true } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  });
  after(async () => {
    await browser?.close();
    await h?.[Symbol.asyncDispose]();
  });

  it('loads under its Content-Security-Policy and shows the stages as a pipeline, running', async () => {
    const url = h.node.metricsUrl;
    assert.ok(url, 'the node serves HTTP');
    const res = await page.goto(`${url}/`);
    assert.equal(res?.status(), 200);
    assert.match(res?.headers()['content-security-policy'] ?? '', /default-src 'none'; script-src 'self'/);
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 15_000 });
    await page.waitForSelector('[data-stage="index"]', { timeout: 15_000 });
    const stages = await page.locator('#pipeline > li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-stage')));
    assert.deepEqual(stages, STAGES);
    const states = await page.locator('#pipeline [data-field="state"]').allTextContents();
    assert.deepEqual(states, STAGES.map(() => 'running'));
    assert.equal(await page.locator('#no-failures').isVisible(), true);
    assert.match(await page.locator('#mem-level').textContent() ?? '', /^(normal|high|critical)$/);
  });

  it('its numbers move during an ingest, and a failed document shows with its code and reason as text', async () => {
    const before = await figure(page, 'index', 'processed');
    const docs = Array.from({ length: 12 }, (_, i) => ({ msg: { id: `dash-${i}`, text: `Dashboard document ${i}: the stages pass it along, load to index, while the page watches.` } }));
    // The reason quotes the path: markup in it must reach the page as text.
    const hostile = { msg: { id: 'dash-hostile', uri: 'file:///etc/<img src=x onerror=alert(1)>' } };
    const done = await h.ingest([...docs, hostile]);
    assert.equal([...done.values()].filter((d) => d.status === 'indexed').length, 12);

    // The page catches up within a couple of its one-second updates.
    await figureReaches(page, 'index', 'processed', before + 12);
    await figureReaches(page, 'load', 'failed', 1);
    await page.waitForSelector('#failures tbody tr', { timeout: 15_000 });
    const row = page.locator('#failures tbody tr').first();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[1], hostile.msg.id, 'the document id is shown as text');
    assert.equal(cells[2], 'load');
    assert.match(cells[3] ?? '', /^ERR_LOAD_/);
    const snap = await (await fetch(`${h.node.metricsUrl!}/api/dashboard`)).json() as { failures: Array<{ docId: string; message: string }> };
    assert.equal(cells[4], snap.failures[0]?.message, 'the reason is shown as the text it is');
    assert.ok((cells[4] ?? '').length > 0);
    assert.equal(await page.locator('#failures img').count(), 0, 'no markup from a document id reaches the page');
    assert.equal(await page.locator('#no-failures').isVisible(), false);
    assert.equal(await page.locator('#failed-total').textContent(), '(1)');
    // Memory samples arrive every second: the chart has a line.
    await page.waitForFunction(() => (document.querySelector('#mem-chart polyline')?.getAttribute('points') ?? '').split(' ').length >= 2, undefined, { timeout: 15_000 });
    assert.deepEqual(problems, [], 'no error or warning in the page');
  });

  it('shows the whole deployment: a worker that joins adds to its stage\'s card and to the process count', async () => {
    const worker = await DocflowNode.start({ ...h.config, metrics: { ...h.config.metrics, enabled: false } }, silentLogger, { pipeline: ['split'], embeddedStores: false });
    try {
      await page.waitForSelector('[data-stage="split"] [data-field="processes"][data-v="2"]', { timeout: 15_000 });
      assert.equal(await page.locator('#processes').textContent(), '2 processes');
      assert.equal(await page.locator('#pipeline [data-field="processes"]').count(), 1, 'only the stage both run shows it');
      assert.deepEqual(await page.locator('#pipeline > li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-stage'))), STAGES, 'still one card per stage');
    } finally {
      await worker.close();
    }
    // and once it has gone, the page is back to one process
    const deadline = Date.now() + 15_000;
    while ((await page.locator('#processes').textContent()) !== '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.equal(await page.locator('#processes').textContent(), '');
    assert.equal(await page.locator('#pipeline [data-field="processes"]').count(), 0);
    assert.deepEqual(problems, [], 'no error or warning in the page');
  });

  it('/api/dashboard answers the same figures as JSON; only GET and HEAD are served', async () => {
    const url = h.node.metricsUrl!;
    const snap = await (await fetch(`${url}/api/dashboard`)).json() as { stages: Array<{ name: string; processed: number }>; failures: Array<{ docId: string }> };
    assert.deepEqual(snap.stages.map((s) => s.name), STAGES);
    assert.ok(snap.stages.find((s) => s.name === 'index')!.processed >= 12);
    assert.equal(snap.failures[0]?.docId, 'dash-hostile');
    assert.equal((await fetch(`${url}/api/dashboard`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${url}/nope`)).status, 404);
  });
});
