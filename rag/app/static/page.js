// The page's behaviour around citations; app.py runs it as the sources panel's js_on_load (so `trigger` fires
// that component's 'cite' event). Listeners are document-wide and replaced, not doubled, when it runs again.
//  - click an [n] marker (chat link #cite-T-N, a marker button in the positions, a source card, a briefing
//    marker) -> 'cite' {turn, n, briefing}: the app shows that answer's sources, positions and the paragraph.
//  - hover or focus an [n] marker -> a card beside it: the quoted sentence, title, ¶ label, page, support.
//  - the chat's copy button on an answer, and "Copy with sources" -> the answer as Markdown with footnotes.
// What the cards and the Markdown say is rendered by the server (rag/ui.py render_turns) into #rag-turns.
const MARKERS = 'a[href^="#cite-"], button[data-n][data-turn]';
const CHAT_COPY = '#rag-chat .bot-row .message-buttons button';

const citeOf = (el) => {
  if (el.tagName === 'A') {
    const m = (el.getAttribute('href') || '').match(/^#cite-(\d+)-(\d+)$/);
    return m ? {turn: parseInt(m[1]), n: parseInt(m[2])} : null;
  }
  return {turn: parseInt(el.dataset.turn), n: parseInt(el.dataset.n)};
};
const turnData = (turn) => document.querySelector(`#rag-turns .rag-turn[data-turn="${turn}"]`);

const copyText = async (text) => {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (err) {  // no clipboard API (plain http on another host): the old way
    const box = document.createElement('textarea');
    box.value = text;
    box.style.position = 'fixed';
    box.style.left = '-9999px';
    document.body.appendChild(box);
    box.select();
    const ok = document.execCommand('copy');
    box.remove();
    return ok;
  }
};
const copied = (button, ok) => {
  const label = button.getAttribute('aria-label') || '';
  button.classList.add('rag-copied');
  if (button.classList.contains('rag-copy')) button.textContent = ok ? 'Copied' : 'Copy failed';
  else button.setAttribute('aria-label', ok ? 'Copied with sources' : 'Copy failed');
  setTimeout(() => {
    button.classList.remove('rag-copied');
    if (button.classList.contains('rag-copy')) button.textContent = 'Copy with sources';
    else button.setAttribute('aria-label', label);
  }, 2000);
};

let card = document.getElementById('rag-hovercard');
if (!card) {
  card = document.createElement('div');
  card.id = 'rag-hovercard';
  card.setAttribute('role', 'tooltip');
  card.hidden = true;
  document.body.appendChild(card);
}
let shownFor = null;
const hideCard = () => {
  if (shownFor) shownFor.removeAttribute('aria-describedby');
  shownFor = null;
  card.hidden = true;
};
const showCard = (el) => {
  const cite = citeOf(el);
  const data = cite && turnData(cite.turn);
  const source = data && data.querySelector(`.rag-card[data-n="${cite.n}"]`);
  if (!source) return;
  card.innerHTML = source.innerHTML;
  card.hidden = false;
  const r = el.getBoundingClientRect();
  const w = card.offsetWidth, h = card.offsetHeight;
  const left = Math.max(8, Math.min(r.left, window.innerWidth - w - 8));
  const below = r.bottom + 6 + h <= window.innerHeight;
  card.style.left = `${left}px`;
  card.style.top = `${below ? r.bottom + 6 : Math.max(8, r.top - h - 6)}px`;
  shownFor = el;
  el.setAttribute('aria-describedby', 'rag-hovercard');
};

const onClick = (e) => {
  if (!e.target || !e.target.closest) return;
  const chatCopy = e.target.closest(CHAT_COPY);
  const copyButton = chatCopy || e.target.closest('button.rag-copy[data-copy-turn]');
  if (copyButton) {
    let turn;
    if (chatCopy) {  // the k-th answer in the chat is turn k
      const rows = Array.from(document.querySelectorAll('#rag-chat .message-row.bot-row'));
      turn = rows.indexOf(chatCopy.closest('.message-row'));
    } else {
      turn = parseInt(copyButton.dataset.copyTurn);
    }
    const data = turnData(turn);
    if (!data) return;  // not known yet: Gradio's own copy goes ahead
    e.preventDefault();
    e.stopImmediatePropagation();
    copyText(data.dataset.md).then((ok) => copied(copyButton, ok));
    return;
  }
  const el = e.target.closest(MARKERS);
  if (!el || el.closest('#rag-turns')) return;
  const cite = citeOf(el);
  if (!cite) return;
  e.preventDefault();
  e.stopPropagation();
  hideCard();
  trigger('cite', {turn: cite.turn, n: cite.n, briefing: !!el.closest('#rag-preview')});
};
const onOver = (e) => {
  const el = e.target && e.target.closest ? e.target.closest(MARKERS) : null;
  if (el && el !== shownFor && !el.classList.contains('rag-source')) showCard(el);
};
const onOut = (e) => {
  if (shownFor && !(e.relatedTarget && shownFor.contains(e.relatedTarget))) hideCard();
};
const onScroll = (e) => {  // only a scroll that moves the marker leaves its card beside nothing
  const box = e.target === document ? document.documentElement : e.target;
  if (shownFor && box.contains && box.contains(shownFor)) hideCard();
};
const onKey = (e) => {
  if (e.key === 'Escape') hideCard();
};

for (const [type, fn, capture] of [['click', onClick, true], ['mouseover', onOver, false],
                                   ['focusin', onOver, false], ['mouseout', onOut, false],
                                   ['focusout', onOut, false], ['keydown', onKey, false],
                                   ['scroll', onScroll, true]]) {
  const key = `__rag_${type}`;
  if (window[key]) window.removeEventListener(type, window[key], window[key].capture);
  fn.capture = capture;
  window[key] = fn;
  window.addEventListener(type, fn, capture);
}
