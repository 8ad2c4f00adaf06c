// Keep the highlighted paragraph in view inside the viewer's own scroll box (js_on_load of each viewer).
const show = () => {
  const box = element.querySelector('.rag-viewer');
  const focus = element.querySelector('.rag-focus');
  if (box && focus) box.scrollTop = Math.max(0, focus.offsetTop - box.offsetTop - box.clientHeight / 4);
};
watch('value', show);
show();
