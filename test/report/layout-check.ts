/**
 * Layout problems a reader would see, measured in the live page (DOM and SVG bounding boxes), as one expression
 * evaluated by cdp.ts. A problem is:
 *   page-overflow   the document is wider than the viewport (a horizontal scroll bar, a cut-off page in print)
 *   clipped         an element that hides or scrolls its overflow has content wider or taller than its box
 *   text-overflow   a line of text reaches outside the box of its block (a figure value spilling out of its card)
 *   svg-clipped     a chart's text lies partly outside the chart (a label cut at the edge: "omplaint_fasttrack")
 *   truncated       a chart label shortened with an ellipsis
 *   overlap         two pieces of text cover each other, or two chart labels touch ("3,5004,000", "0.180.20")
 * Invisible text (display none, visibility hidden, opacity 0, e.g. the axis labels vega hides) is not counted.
 * Each problem names the element (tag#id.class path up to its section) and the text.
 */

export interface LayoutProblem {
  kind: "page-overflow" | "clipped" | "text-overflow" | "svg-clipped" | "truncated" | "overlap";
  where: string;
  text: string;
  detail: string;
}

export const LAYOUT_CHECK = String.raw`(() => {
  const problems = [];
  const TOL = 1;
  const name = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      let s = e.tagName.toLowerCase();
      if (e.id) s += "#" + e.id;
      else if (typeof e.className === "string" && e.className.trim()) s += "." + e.className.trim().split(/\s+/).join(".");
      parts.unshift(s);
      if (e.tagName === "SECTION") break;
    }
    return parts.join(" > ");
  };
  const snippet = (t) => (t || "").replace(/\s+/g, " ").trim().slice(0, 60);
  const visible = (el) => el.checkVisibility({ opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true });
  const r1 = (x) => Math.round(x * 10) / 10;
  const box = (r) => "[" + [r.left, r.top, r.right, r.bottom].map(r1).join(", ") + "]";

  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > vw + TOL) {
    // name the outermost elements that reach past the right edge
    const wide = [...document.body.querySelectorAll("*")].filter((e) => e.getBoundingClientRect().right > vw + TOL && !(e.parentElement && e.parentElement.getBoundingClientRect().right > vw + TOL && e.parentElement !== document.body));
    problems.push({ kind: "page-overflow", where: wide.slice(0, 3).map(name).join("; ") || "html", text: snippet(wide[0] ? wide[0].textContent : ""), detail: "page is " + document.documentElement.scrollWidth + " px wide in a " + vw + " px viewport" });
  }

  for (const el of document.body.querySelectorAll("*")) {
    if (el instanceof SVGElement && !(el instanceof SVGSVGElement)) continue;
    const cs = getComputedStyle(el);
    if (cs.display === "none" || !visible(el)) continue;
    if (cs.overflowX !== "visible" && el.scrollWidth > el.clientWidth + TOL)
      problems.push({ kind: "clipped", where: name(el), text: snippet(el.textContent), detail: "content " + el.scrollWidth + " px wide in a " + el.clientWidth + " px box" });
    if (cs.overflowY !== "visible" && el.scrollHeight > el.clientHeight + TOL)
      problems.push({ kind: "clipped", where: name(el), text: snippet(el.textContent), detail: "content " + el.scrollHeight + " px tall in a " + el.clientHeight + " px box" });
  }

  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.nodeValue || !n.nodeValue.trim()) continue;
    const parent = n.parentElement;
    if (!parent || parent.closest("svg, script, style, title, noscript")) continue;
    if (!visible(parent)) continue;
    let block = parent;
    while (block && ["inline", "contents"].includes(getComputedStyle(block).display)) block = block.parentElement;
    if (!block) continue;
    const bb = block.getBoundingClientRect();
    range.selectNodeContents(n);
    for (const r of range.getClientRects()) {
      if (r.width < 0.5 || r.height < 0.5) continue;
      if (r.left < bb.left - TOL || r.right > bb.right + TOL)
        problems.push({ kind: "text-overflow", where: name(block), text: snippet(n.nodeValue), detail: "text " + box(r) + " outside its box " + box(bb) });
      texts.push({ node: n, r, where: name(parent), text: snippet(n.nodeValue), svg: false });
    }
  }

  for (const svg of document.querySelectorAll("svg")) {
    if (!visible(svg)) continue;
    const sb = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll("text")) {
      if (!visible(t) || !t.textContent.trim()) continue;
      const r = t.getBoundingClientRect();
      if (r.width < 0.5) continue;
      const where = name(svg.closest("figure") || svg);
      if (r.left < sb.left - TOL || r.right > sb.right + TOL || r.top < sb.top - TOL || r.bottom > sb.bottom + TOL)
        problems.push({ kind: "svg-clipped", where, text: snippet(t.textContent), detail: "label " + box(r) + " outside the chart " + box(sb) });
      if (/\u2026$/.test(t.textContent.trim())) problems.push({ kind: "truncated", where, text: snippet(t.textContent), detail: "label shortened with an ellipsis" });
      texts.push({ node: t, r, where, text: snippet(t.textContent), svg: true });
    }
    // legend symbols sit between legend labels: a label that runs into the next symbol is just as unreadable
    for (const s of svg.querySelectorAll(".role-legend-symbol path")) {
      if (!visible(s)) continue;
      texts.push({ node: s, r: s.getBoundingClientRect(), where: name(svg.closest("figure") || svg), text: "(legend symbol)", svg: true });
    }
  }

  // overlaps: bucket the boxes by 32 px rows so only neighbours are compared
  const rows = new Map();
  texts.forEach((x, i) => {
    for (let y = Math.floor(x.r.top / 32); y <= Math.floor(x.r.bottom / 32); y++) {
      if (!rows.has(y)) rows.set(y, []);
      rows.get(y).push(i);
    }
  });
  const seen = new Set();
  for (const list of rows.values()) {
    for (let a = 0; a < list.length; a++) {
      for (let b = a + 1; b < list.length; b++) {
        const i = Math.min(list[a], list[b]);
        const j = Math.max(list[a], list[b]);
        const key = i + ":" + j;
        if (seen.has(key)) continue;
        seen.add(key);
        const p = texts[i];
        const q = texts[j];
        if (p.node === q.node) continue;
        const w = Math.min(p.r.right, q.r.right) - Math.max(p.r.left, q.r.left);
        const h = Math.min(p.r.bottom, q.r.bottom) - Math.max(p.r.top, q.r.top);
        // chart labels are placed one by one: two that touch read as one ("3,5004,000"), so they need a 2 px gap
        const minGap = p.svg && q.svg ? -2 : TOL;
        if (w > minGap && h > Math.max(2, 0.3 * Math.min(p.r.height, q.r.height)))
          problems.push({ kind: "overlap", where: p.where, text: p.text + " | " + q.text, detail: box(p.r) + " overlaps " + box(q.r) + (p.where === q.where ? "" : " (" + q.where + ")") });
      }
    }
  }
  return problems;
})()`;
