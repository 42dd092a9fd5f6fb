/**
 * The improved recipe's augmentation, on uint8 images before they are cut into patches: a random
 * horizontal flip (off for digits, where a flip changes the class) and a random translation of up
 * to `shift` pixels with zero fill. In JS because it is a few thousand bytes per image and keeps
 * the tfjs graph free of gathers.
 */
export function augmentInto(
  src: Uint8Array,
  dst: Uint8Array,
  side: number,
  channels: number,
  rand: () => number,
  opts: { flip: boolean; shift: number },
): void {
  // Always draw the coin, so the stream advances the same whether flips are allowed or not.
  const coin = rand();
  const flip = opts.flip && coin < 0.5;
  const dx = Math.floor(rand() * (2 * opts.shift + 1)) - opts.shift;
  const dy = Math.floor(rand() * (2 * opts.shift + 1)) - opts.shift;
  dst.fill(0);
  for (let y = 0; y < side; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= side) continue;
    for (let x = 0; x < side; x++) {
      let sx = x - dx;
      if (sx < 0 || sx >= side) continue;
      if (flip) sx = side - 1 - sx;
      for (let c = 0; c < channels; c++) dst[(y * side + x) * channels + c] = src[(sy * side + sx) * channels + c];
    }
  }
}
