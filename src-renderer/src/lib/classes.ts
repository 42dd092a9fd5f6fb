const NAMES: Record<string, string[]> = {
  'fashion-mnist': ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
};

/** "Class 0 · T-shirt/top" style names for a data set's classes. */
export function className(dataset: string | undefined, i: number): string {
  const n = dataset ? NAMES[dataset]?.[i] : undefined;
  return n && n !== String(i) ? n : `Class ${i}`;
}
