/** One colour per model (component), stable while the set of names is: hues spread by the golden angle in name order. */
export function modelColors(names: string[]): Map<string, string> {
  const sorted = [...new Set(names)].sort();
  return new Map(sorted.map((name, i) => [name, `hsl(${Math.round((i * 137.508) % 360)} 65% ${i % 2 ? 48 : 58}%)`]));
}
