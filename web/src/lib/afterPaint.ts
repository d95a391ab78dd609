/**
 * Runs `fn` in a task of its own after the next frame is painted, not in the task that draws the first
 * screen: work the first paint does not need (the inbox's request, the service worker's registration) then
 * neither delays that paint nor lengthens its long task. A hidden tab paints no frames, so a timer runs it
 * there.
 */
export function afterPaint(fn: () => void): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    fn();
  };
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => setTimeout(run, 0));
  setTimeout(run, 250);
}
