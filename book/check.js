// The browser half of `./x book --check`. `./x book --check` writes checker pages
// (build/book/check/part-N.html) that define `pages` (the book's pages, relative to the checker
// page) and load this script; headless Chromium opens each checker page with --dump-dom.
//
// The pages are loaded one after the other into one iframe. Each page is probed in its iframe's
// load event, which comes after its images, scripts and frames have loaded, and the next page is
// started in the same event, so the checker page's own load event (which --dump-dom waits for)
// comes only after the last page. The findings go into <pre id="report">, one finding a line,
// every value percent-encoded so that a line never holds a space, '<' or '&' of its own:
//   page NAME        a page starts (NAME as in `pages`)
//   text N           the characters of text in its body after rendering
//   image URL        an <img> that did not load
//   object URL       an <object> (Doxygen's SVG figures) whose document did not load
//   link URL         a local href or src, resolved to an absolute file: URL
//   id NAME          an id or <a name> in the rendered page: the anchors links may point at
//   unreadable       the page's document could not be read
// and a last line "finished". The xtask decides what is a problem.

const lines = [];

function add(kind, value) {
  lines.push(value === undefined ? kind : kind + ' ' + encodeURIComponent(value));
}

function probe(frame, page) {
  add('page', page);
  const doc = frame.contentDocument;
  if (!doc || !doc.body) {
    add('unreadable');
    return;
  }
  add('text', String(doc.body.innerText.trim().length));
  for (const image of doc.images) {
    if (!image.complete || image.naturalWidth === 0) {
      add('image', image.src);
    }
  }
  for (const object of doc.querySelectorAll('object[data]')) {
    if (!object.contentDocument) {
      add('object', object.data);
    }
  }
  const seen = new Set();
  const linking = 'a[href], link[href], script[src], img[src], object[data], iframe[src]';
  for (const element of doc.querySelectorAll(linking)) {
    const url = element.href || element.src || element.data;
    if (typeof url === 'string' && url.startsWith('file:') && !seen.has(url)) {
      seen.add(url);
      add('link', url);
    }
  }
  for (const element of doc.querySelectorAll('[id], a[name]')) {
    add('id', element.id || element.getAttribute('name'));
  }
}

function loadNext(frame, index) {
  if (index >= pages.length) {
    frame.remove();
    lines.push('finished');
    document.getElementById('report').textContent = lines.join('\n') + '\n';
    return;
  }
  frame.onload = () => {
    probe(frame, pages[index]);
    loadNext(frame, index + 1);
  };
  frame.src = pages[index];
}

const frame = document.createElement('iframe');
frame.width = 1280;
frame.height = 900;
document.body.appendChild(frame);
loadNext(frame, 0);
