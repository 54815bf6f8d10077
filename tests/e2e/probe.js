// Injected into every page before the page's own scripts (Playwright add_init_script).
// It records, with performance.now() timestamps:
//   - every drawImage/putImageData on a canvas (ipympl paints received frames that way),
//   - every <img> that appears or changes src (inline figures re-displayed in an Output widget),
//   - the first input event (keydown, pointerdown, input, change) after the Python side armed
//     the clock with __e2e.arm(): the start of a latency measurement,
//   - the kernel's execution_state, any error / traceback the kernel sends, and the ids of the
//     kernels the page connects to (websocket; the tests shut those kernels down afterwards).
// and offers helpers the Python side calls with page.evaluate("__e2e.<name>(...)").
(() => {
  if (window.__e2e) return;
  const S = (window.__e2e = {
    draws: new WeakMap(),        // canvas -> [t, ...]
    imgs: [],                    // [img, t]
    lastActivity: 0,             // last paint of any figure
    inputAt: 0,                  // first input event since arm()
    kernelState: 'unknown',
    lastStatus: 0,
    kernelErrors: [],
    kernelIds: [],
  });

  // --- canvas paints --------------------------------------------------------------------------
  const noteCanvas = (canvas) => {
    const t = performance.now();
    S.lastActivity = t;
    let list = S.draws.get(canvas);
    if (!list) S.draws.set(canvas, (list = []));
    list.push(t);
    if (list.length > 400) list.splice(0, list.length - 200);
  };
  for (const name of ['drawImage', 'putImageData']) {
    const original = CanvasRenderingContext2D.prototype[name];
    CanvasRenderingContext2D.prototype[name] = function (...args) {
      const result = original.apply(this, args);
      if (this.canvas) noteCanvas(this.canvas);
      return result;
    };
  }

  // --- frames on their way -------------------------------------------------------------------
  // ipympl hands a received frame to an Image and paints it when it has decoded ("load"): until
  // then the kernel can be idle while a frame is still to come. An image counts as decoding from
  // its src being set until its load or error event (for at most 5 s: an image nobody loads).
  const decoding = new Map();        // img -> when its src was set
  const srcProperty = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, 'src');
  const loaded = (event) => decoding.delete(event.target);
  Object.defineProperty(HTMLImageElement.prototype, 'src', {
    configurable: true, enumerable: srcProperty.enumerable, get() { return srcProperty.get.call(this); },
    set(value) {
      this.addEventListener('load', loaded);         // the same listener again is a no-op
      this.addEventListener('error', loaded);
      decoding.set(this, performance.now());
      srcProperty.set.call(this, value);
    },
  });
  S.decoding = () => {
    const now = performance.now();
    for (const [img, t] of decoding) if (now - t > 5000) decoding.delete(img);
    return decoding.size;
  };

  // --- images ---------------------------------------------------------------------------------
  const noteImg = (img) => {
    const t = performance.now();
    S.lastActivity = t;
    S.imgs.push([img, t]);
    if (S.imgs.length > 400) S.imgs.splice(0, S.imgs.length - 200);
  };
  const observer = new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.type === 'attributes') {
        if (m.target.tagName === 'IMG') noteImg(m.target);
        continue;
      }
      for (const node of m.addedNodes) {
        if (node.nodeType !== 1) continue;
        if (node.tagName === 'IMG') noteImg(node);
        else if (node.querySelectorAll) node.querySelectorAll('img').forEach(noteImg);
      }
    }
  });
  const observe = () => observer.observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['src'],
  });
  if (document.documentElement) observe(); else document.addEventListener('DOMContentLoaded', observe);

  // --- input ----------------------------------------------------------------------------------
  // a slider step is a keydown, a click starts with pointerdown, a <select> choice made by
  // Playwright fires only input/change: whichever comes first starts the clock
  S.arm = () => { S.inputAt = 0; hashedAt = null; };
  for (const type of ['keydown', 'pointerdown', 'input', 'change']) {
    document.addEventListener(type, () => { if (!S.inputAt) S.inputAt = performance.now(); }, true);
  }

  // --- kernel messages ------------------------------------------------------------------------
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const onKernelMessage = (event) => {
    let text;
    if (typeof event.data === 'string') text = event.data;
    else if (event.data instanceof ArrayBuffer) {
      if (event.data.byteLength > 2000000) return;
      text = decoder.decode(event.data);
    } else return;
    if (/"msg_type":\s*"status"/.test(text)) {
      const m = /"execution_state":\s*"(\w+)"/.exec(text);
      if (m) { S.kernelState = m[1]; S.lastStatus = performance.now(); }
    }
    // the first msg_type is the message's own, the second its parent's (what it answers)
    const types = [...text.matchAll(/"msg_type":\s*"(\w+)"/g)].map((m) => m[1]);
    const jsonString = (key) => {
      const m = new RegExp(`"${key}":\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(text);
      try { return m ? JSON.parse(m[1]) : ''; } catch (e) { return m[1]; }
    };
    const context = types[1] ? ` (while the kernel handled a ${types[1]})` : '';
    if (types[0] === 'error') {
      S.kernelErrors.push(`${jsonString('ename')}: ${jsonString('evalue')}${context}`);
    } else if (types[0] === 'stream' && /Traceback \(most recent call last\)|Exception in /.test(text)) {
      const tail = jsonString('text').replace(/\u001b\[[0-9;]*m/g, '').trim().split('\n').slice(-3).join(' / ');
      S.kernelErrors.push(`traceback on the kernel's stderr: ${tail}${context}`);
    }
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      const kernel = /\/api\/kernels\/([^/?]+)/.exec(String(args[0]));
      if (kernel) {
        if (!S.kernelIds.includes(kernel[1])) S.kernelIds.push(kernel[1]);
        this.addEventListener('message', onKernelMessage);
      }
    }
  };

  // --- dashboards -----------------------------------------------------------------------------
  const CONTROL = ['.widget-slider', '.widget-dropdown', '.widget-checkbox', '.widget-toggle-buttons',
    '.widget-radio', '.widget-button', '.widget-play', '.widget-select', '.widget-toggle-button'].join(',');
  const OUTPUT = '.jp-OutputArea-output';

  const visibleNotebook = () =>
    document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)') || document.body;

  // A dashboard = the outermost cell output that holds at least one control.
  S.roots = () => {
    const scope = visibleNotebook();
    const outputs = [...scope.querySelectorAll(OUTPUT)].filter((o) => o.querySelector(CONTROL));
    return outputs.filter((o) => !outputs.some((p) => p !== o && p.contains(o)));
  };

  const figureCanvases = (el) => [...el.querySelectorAll('.jupyter-matplotlib canvas')];
  const figureImages = (el) => [...el.querySelectorAll('img')].filter((img) => !img.closest('.jupyter-matplotlib'));

  // Tag the dashboards and their controls so the Python side can address them with selectors.
  // Returns a description of each dashboard.
  S.scan = () => S.roots().map((root, i) => {
    root.dataset.e2eRoot = String(i);
    const title = root.querySelector('.widget-html b, .widget-html h1, .widget-html h2, .widget-html h3');
    let controls = [...root.querySelectorAll(CONTROL)];
    // a Play/ToggleButtons widget contains buttons of its own; keep the outer widget only
    controls = controls.filter((c) => !controls.some((p) => p !== c && p.contains(c)));
    const described = controls.map((c, j) => {
      c.dataset.e2eControl = String(j);
      const cls = c.classList;
      const kind = cls.contains('widget-slider') ? 'slider'
        : cls.contains('widget-dropdown') ? 'dropdown'
        : cls.contains('widget-select') ? 'dropdown'
        : cls.contains('widget-checkbox') ? 'checkbox'
        : cls.contains('widget-toggle-buttons') ? 'toggle-buttons'
        : cls.contains('widget-radio') ? 'radio'
        : cls.contains('widget-play') ? 'play'
        : cls.contains('widget-toggle-button') ? 'toggle-button'
        : 'button';
      const clean = (t) => (t || '').replace(/[\u200b\s]+/g, ' ').trim();
      const label = [...c.querySelectorAll('.widget-label, .widget-label-basic')].map((l) => clean(l.textContent))
        .find(Boolean) || clean(c.title) || clean(c.textContent) || kind;
      return { index: j, kind, label: label.trim().slice(0, 40), disabled: !!c.querySelector(':disabled') || c.disabled === true };
    });
    return {
      index: i,
      title: title ? title.textContent.trim().slice(0, 80) : '',
      canvases: figureCanvases(root).length,
      images: figureImages(root).length,
      controls: described,
    };
  });

  const rootEl = (i) => document.querySelector(`[data-e2e-root="${i}"]`);

  // The figures a dashboard's controls drive: its own, or every figure on the page when the
  // dashboard has none of its own (controls in one cell, figure in another).
  const figuresOf = (i) => {
    const root = rootEl(i);
    let canvases = figureCanvases(root), images = figureImages(root);
    if (!canvases.length && !images.length) {
      const scope = visibleNotebook();
      canvases = figureCanvases(scope);
      images = figureImages(scope);
    }
    return { canvases, images };
  };

  const hashCanvas = (c) => {
    if (!c.width || !c.height) return 'empty';
    const data = new Uint32Array(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.buffer);
    let h = 2166136261 >>> 0;
    for (let k = 0; k < data.length; k++) h = Math.imul(h ^ data[k], 16777619);
    return `${c.width}x${c.height}:${(h >>> 0).toString(16)}`;
  };
  const hashString = (s) => {
    let h = 2166136261 >>> 0;
    for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 16777619);
    return `${s.length}:${(h >>> 0).toString(16)}`;
  };

  // What the dashboard's figures show right now (pixels of canvases, src of images).
  S.snapshot = (i) => {
    const { canvases, images } = figuresOf(i);
    return [...canvases.map(hashCanvas), ...images.map((img) => hashString(img.src || ''))].join('|');
  };

  // Does dashboard i's figure differ from `before` now? Hashing a figure's canvases takes ~6 ms
  // of the page's main thread, the thread that paints the next frame, so a poll hashes only
  // when something painted since the last one (a figure changes only by painting) and the
  // waiting does not slow down what it measures. arm() resets it: the first poll hashes.
  let hashedAt = null;
  S.changedFrom = (i, before) => {
    if (hashedAt === S.lastActivity) return false;
    hashedAt = S.lastActivity;
    return S.snapshot(i) !== before;
  };

  // Have all the dashboard's figures painted at least once?
  S.painted = (i) => {
    const { canvases, images } = figuresOf(i);
    // ipympl: every figure has a canvas it painted a frame on (the other one is the rubber band)
    const figures = new Set(canvases.map((c) => c.closest('.jupyter-matplotlib')));
    const paintedFigures = new Set(canvases.filter((c) => (S.draws.get(c) || []).length > 0)
      .map((c) => c.closest('.jupyter-matplotlib')));
    return (canvases.length + images.length) > 0 && paintedFigures.size === figures.size &&
      images.every((img) => img.complete && img.naturalWidth > 0);
  };

  // [first, last] paint of the dashboard's figures at or after time `since` (null: none).
  S.paintsSince = (i, since) => {
    const { canvases, images } = figuresOf(i);
    const times = [];
    for (const c of canvases) for (const d of S.draws.get(c) || []) if (d >= since) times.push(d);
    const set = new Set(images);
    for (const [img, d] of S.imgs) if (set.has(img) && d >= since) times.push(d);
    return times.length ? [Math.min(...times), Math.max(...times)] : null;
  };

  // Quiet: kernel idle, no frame decoding, nothing painted for `ms` milliseconds.
  S.quiet = (ms) => {
    const now = performance.now();
    return S.kernelState !== 'busy' && now - S.lastStatus > ms && now - S.lastActivity > ms && S.decoding() === 0;
  };

  // Everything on the page that looks like a broken widget or an error.
  S.problems = (includeLoading) => {
    const out = [];
    const text = document.body.innerText || '';
    for (const needle of ['Error displaying widget', 'There was an error when executing cell']) {
      let at = text.indexOf(needle);
      if (at >= 0) out.push(`page shows "${text.slice(at, at + 160).replace(/\s+/g, ' ')}"`);
    }
    if (includeLoading && /Loading widget/.test(text)) out.push('a widget still says "Loading widget..."');
    for (const o of document.querySelectorAll(`${OUTPUT}[data-mime-type="application/vnd.jupyter.stderr"], .jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]`)) {
      const t = o.innerText || '';
      if (/Traceback|\b\w*(Error|Exception)\b/.test(t)) out.push(`error output: ${t.slice(0, 1500)}`);
    }
    for (const e of S.kernelErrors) out.push(`kernel error: ${e.slice(0, 1500)}`);
    return [...new Set(out)];
  };

  // Dashboard message areas (rrnn.dash MessageArea) that currently show something.
  S.messages = (i) => [...rootEl(i).querySelectorAll('.widget-html-content div[style]')]
    .map((d) => d.innerText.trim()).filter(Boolean);
})();
