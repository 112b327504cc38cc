// Records the expression cases of enketo/openrosa-xpath-evaluator's test/integration specs.
//
// Runs each spec file with mocha's describe/it replaced by plain calls and the suite's helpers
// (test/integration/helpers.js) and chai's assert replaced by recorders: nothing is evaluated,
// each assertion becomes one case {expression, document, context, check, expected}. Dates are
// frozen (the specs compute "today" from the clock) and TZ must be America/Phoenix, as in the
// suite's own karma/mocha configuration.
//
// Usage (run by extract_cases.py): TZ=America/Phoenix NODE_PATH=<dir with jsdom, chai@4, lodash>
//   node extract_enketo.js <folder holding test/integration> > cases.json

'use strict';

const fs = require('fs');
const path = require('path');
const Module = require('module');
const { JSDOM } = require('jsdom');
const chai = require('chai');

const FROZEN_NOW = '2026-01-15T10:30:00.000-07:00';
const root = path.resolve(process.argv[2]);
const integration = path.join(root, 'test', 'integration');

// --- frozen clock -----------------------------------------------------------------------------
const RealDate = Date;
const frozen = new RealDate(FROZEN_NOW).getTime();
class FrozenDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(frozen); else super(...args);
  }
  static now() { return frozen; }
}
global.Date = FrozenDate;

// --- a DOM, as the browser gives the specs -----------------------------------------------------
const dom = new JSDOM('<!DOCTYPE html><html><body></body></html>');
for (const name of ['DOMParser', 'XPathResult', 'Node', 'XMLSerializer', 'document']) {
  global[name] = dom.window[name];
}
global.window = dom.window;

// --- where we are ------------------------------------------------------------------------------
const cases = [];
const skipped = [];
let titles = [];
let currentFile = '';
let currentSource = '';
let current = { xml: '', nsr: null, doc: null };
let beforeEachStack = [[]];

function callerLine() {
  const stack = new Error().stack.split('\n');
  for (const line of stack) {
    const m = line.match(/\((.*\.spec\.js):(\d+):\d+\)$/) || line.match(/at (.*\.spec\.js):(\d+):\d+$/);
    if (m) return Number(m[2]);
  }
  return 0;
}

// The line that holds the expression text literally, if exactly one does; else the call's line.
function sourceLine(expression, fallback) {
  const lines = currentSource.split('\n');
  const found = [];
  lines.forEach((text, i) => {
    if (text.includes(JSON.stringify(expression).slice(1, -1)) || text.includes(expression)) found.push(i + 1);
  });
  return found.length === 1 ? found[0] : fallback;
}

function nodePath(node) {
  if (node === null || node === undefined) return null;
  if (node.nodeType === 9) return '/';
  if (node.nodeType === 2) return { attribute: node.name, owner: nodePath(node.ownerElement) };
  const steps = [];
  let n = node;
  while (n && n.nodeType !== 9) {
    const parent = n.parentNode;
    if (!parent) return { detached: true };
    if (n.nodeType === 1) {
      const same = Array.from(parent.childNodes).filter(c => c.nodeType === 1);
      steps.unshift(`*[${same.indexOf(n) + 1}]`);
    } else {
      const kinds = { 3: 'text()', 4: 'text()', 7: 'processing-instruction()', 8: 'comment()' };
      const test = kinds[n.nodeType] || 'node()';
      const same = Array.from(parent.childNodes).filter(c => (kinds[c.nodeType] || 'node()') === test);
      steps.unshift(`${test}[${same.indexOf(n) + 1}]`);
    }
    n = parent;
  }
  return '/' + steps.join('/');
}

// The evaluation runs in the context node's own document (the suite's helpers evaluate with the
// last initDoc's evaluator but a node of any document); without a node, in the current document.
const documentXml = new WeakMap();

function record(expression, node, check, expected, extra = {}) {
  if (typeof expression !== 'string') throw new NotExtractable('expression is not text');
  const line = callerLine();
  const context = node || current.doc;
  const doc = context.nodeType === 9 ? context : context.ownerDocument;
  if (!documentXml.has(doc)) throw new NotExtractable('a document the suite built with DOM calls');
  cases.push({
    file: path.relative(root, currentFile),
    line: sourceLine(expression, line),
    call_line: line,
    title: titles.join(' > '),
    expression,
    document: documentXml.get(doc),
    namespaces: current.nsr ? namespacesOf(current.nsr) : null,
    context: nodePath(context),
    check,
    expected,
    ...extra,
  });
}

function namespacesOf(nsr) {
  const out = {};
  for (const prefix of ['xhtml', 'mathml', 'jr', 'ev', 'xforms', 'xml']) {
    const uri = nsr.lookupNamespaceURI ? nsr.lookupNamespaceURI(prefix) : null;
    if (uri) out[prefix] = uri;
  }
  return out;
}

class NotExtractable extends Error {}

// --- the suite's helpers, as recorders -------------------------------------------------------
const nsResolver = {
  lookupNamespaceURI: prefix => ({
    xhtml: 'http://www.w3.org/1999/xhtml',
    mathml: 'http://www.w3.org/1998/Math/MathML',
    jr: 'http://openrosa.org/javarosa',
  })[prefix],
};

// A result of an evaluation nobody ran: reading it yields a Traced value that only an
// assertion may consume.
class Traced {
  constructor(expression, node, nsr, property) {
    Object.assign(this, { expression, node, nsr, property });
  }
  valueOf() { throw new NotExtractable(`the test computes with the result of ${this.expression}`); }
  toString() { return this.valueOf(); }
}

let expectingThrow = false;

function tracedResult(expression, node, nsr) {
  if (expectingThrow) {
    const saved = current;
    current = { ...current, nsr: nsr || current.nsr };
    record(expression, node, 'error', null);
    current = saved;
    throw new Error('recorded as a case that must fail');
  }
  const result = {};
  for (const property of ['stringValue', 'numberValue', 'booleanValue', 'singleNodeValue', 'snapshotLength', 'resultType']) {
    Object.defineProperty(result, property, { get: () => new Traced(expression, node, nsr, property) });
  }
  result.snapshotItem = () => { throw new NotExtractable('node snapshots'); };
  result.iterateNext = () => { throw new NotExtractable('node iterators'); };
  return result;
}

function initDoc(xml, nsr) {
  const doc = new DOMParser().parseFromString(xml === undefined ? 'undefined' : xml, 'application/xml');
  current = { xml: xml === undefined ? null : xml, nsr: nsr || null, doc };
  documentXml.set(doc, xml === undefined ? null : xml);
  const evaluate = (expression, node) => tracedResult(expression, node || doc, nsr);
  doc.xEval = (expression, node) => evaluate(expression, node);
  doc.evaluate = (expression, node) => evaluate(expression, node);
  return doc;
}

const simpleValueIs = textValue => initDoc(`<simple><xpath><to>
             <node>${textValue}</node>
           </to></xpath><empty/></simple>`);

// Helpers take (node, value, expression, expected...) with node and value optional.
function helper(check, nExpected) {
  return (...args) => {
    const expected = args.slice(args.length - nExpected);
    const rest = args.slice(0, args.length - nExpected);
    const expression = rest[rest.length - 1];
    if (rest.length > 1 && rest[rest.length - 2]) simpleValueIs(rest[rest.length - 2]);
    const node = rest.length > 2 ? rest[rest.length - 3] : null;
    const value = nExpected === 0 ? null : expected.length === 1 ? expected[0] : expected;
    record(expression, node, check, encode(value));
  };
}

function encode(value) {
  if (value instanceof RegExp) return { regex: value.source, flags: value.flags };
  if (typeof value === 'number' && !Number.isFinite(value)) return { number: String(value) };
  if (Array.isArray(value)) return value.map(encode);
  return value;
}

const helpers = {
  initDoc,
  nsResolver,
  simpleValueIs,
  filterAttributes: attributes => Array.from(attributes).filter(a => a.nodeName.split(':')[0] !== 'xmlns'),
  getNextChildElementNode: parent => { let c = parent.firstChild; while (c.nodeName === '#text') c = c.nextSibling; return c; },
  getAllNodes: function all(node) { const out = [node]; for (const c of node.childNodes) out.push(...all(c)); return out; },
  snapshotToArray: () => { throw new NotExtractable('node snapshots'); },
  setAttribute: (node, ns, name, value) => node.setAttributeNS ? node.setAttributeNS(ns, name, value) : node.setAttribute(name, value),
  assertTrue: (...args) => helper('boolean', 0)(...args) || fixLast(true),
  assertFalse: (...args) => helper('boolean', 0)(...args) || fixLast(false),
  assertBoolean: (...args) => { const v = args.pop(); helper('boolean', 0)(...args); fixLast(Boolean(v)); },
  assertString: helper('string', 1),
  assertStringValue: helper('string', 1),
  assertStringLength: helper('string_length', 1),
  assertMatch: helper('match', 1),
  assertNumber: helper('number', 1),
  assertNumberValue: helper('number', 1),
  assertThrow: expression => record(expression, null, 'error', null),
  assertNumberRounded: (expression, expected, factor, node) => record(expression, node, 'number_rounded', expected, { factor }),
  assertNodes: (expression, node, expected) => record(expression, node, 'nodes', expected.map(nodePath)),
  assertUnorderedNodes: (expression, node, expected) => record(expression, node, 'nodes_unordered', expected.map(nodePath)),
};
function fixLast(value) { cases[cases.length - 1].expected = value; }

// --- chai's assert, recording when handed a traced result -------------------------------------
function traced(value) { return value instanceof Traced ? value : null; }
const CHECKS = { stringValue: 'string', numberValue: 'number', booleanValue: 'boolean' };
function recordTraced(t, expected) {
  const check = CHECKS[t.property];
  if (!check) throw new NotExtractable(`assertion on ${t.property}`);
  const saved = current;
  current = { ...current, nsr: t.nsr || current.nsr };
  record(t.expression, t.node, check, encode(expected));
  current = saved;
}
const assert = new Proxy(chai.assert, {
  get(target, name) {
    const real = target[name];
    const one = { ok: true, isTrue: true, notOk: false, isFalse: false, isNaN: NaN };
    if (name in one) {
      return (value, ...rest) => {
        const t = traced(value);
        if (!t) return real(value, ...rest);
        const expected = one[name];
        recordTraced(t, t.property === 'booleanValue' || typeof expected !== 'boolean' ? expected : expected);
      };
    }
    if (name === 'throws' || name === 'throw' || name === 'Throw') {
      return (fn, ...rest) => {
        expectingThrow = true;
        try { return real(fn, ...rest); } finally { expectingThrow = false; }
      };
    }
    if (['equal', 'strictEqual', 'deepEqual', 'match'].includes(name)) {
      return (actual, expected, ...rest) => {
        const t = traced(actual) || traced(expected);
        if (!t) return real(actual, expected, ...rest);
        const other = t === actual ? expected : actual;
        if (name === 'match') {
          const saved = current;
          current = { ...current, nsr: t.nsr || current.nsr };
          record(t.expression, t.node, 'match', encode(other));
          current = saved;
          return;
        }
        recordTraced(t, other);
      };
    }
    if (typeof real === 'function') {
      return (...args) => {
        if (args.some(traced)) throw new NotExtractable(`assert.${String(name)} on a result`);
        return real(...args);
      };
    }
    return real;
  },
});
helpers.assert = assert;

// --- mocha, run in place ------------------------------------------------------------------------
global.describe = (title, body) => {
  titles.push(title);
  beforeEachStack.push([]);
  try { body(); } finally { beforeEachStack.pop(); titles.pop(); }
};
global.describe.skip = title => skipped.push({ file: path.relative(root, currentFile), title: [...titles, title].join(' > '), reason: 'describe.skip in the suite' });
global.describe.only = global.describe;
global.xdescribe = global.describe.skip;
global.before = body => body();
global.after = () => {};
global.afterEach = () => {};
global.beforeEach = body => beforeEachStack[beforeEachStack.length - 1].push(body);
global.it = (title, body) => {
  titles.push(title);
  const before = cases.length;
  try {
    simpleValueIs('');  // the suite's root beforeEach (helpers.js): initBasicXmlDoc()
    for (const hooks of beforeEachStack) for (const hook of hooks) hook();
    if (body) body();
    if (cases.length === before) skipped.push({ file: path.relative(root, currentFile), title: titles.join(' > '), reason: 'no expression assertion' });
  } catch (error) {
    cases.length = before;
    const reason = error instanceof NotExtractable ? error.message : `the test needs a real evaluator (${error.message.split('\n')[0]})`;
    skipped.push({ file: path.relative(root, currentFile), title: titles.join(' > '), reason });
  } finally {
    titles.pop();
  }
};
global.it.skip = title => skipped.push({ file: path.relative(root, currentFile), title: [...titles, title].join(' > '), reason: 'it.skip in the suite' });
global.it.only = global.it;
global.xit = global.it.skip;

const realLoad = Module._load;
Module._load = function load(request, parent, isMain) {
  if (/(^|\/)helpers$/.test(request)) return helpers;
  if (request === 'chai') return { ...chai, assert };
  return realLoad.apply(this, arguments);
};

function specs(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return specs(full);
    return entry.name.endsWith('.spec.js') ? [full] : [];
  }).sort();
}

for (const file of specs(integration)) {
  currentFile = file;
  currentSource = fs.readFileSync(file, 'utf8');
  current = { xml: '', nsr: null, doc: null };
  helpers.initDoc('');  // the suite's beforeEach: initBasicXmlDoc()
  simpleValueIs('');
  try {
    require(file);
  } catch (error) {
    skipped.push({ file: path.relative(root, file), title: '(whole file)', reason: error.message.split('\n')[0] });
  }
}

process.stdout.write(JSON.stringify({ now: FROZEN_NOW, timezone: 'America/Phoenix', cases, skipped }, null, 1));
